"""Scenario mixes checked against the score model and put in its group order."""

from collections.abc import Mapping

from leadreview.errors import InputFileError
from leadreview.simulation.score_model import ScoreModel


def ordered_group_mix(mix: Mapping[str, float], model: ScoreModel, field: str) -> dict[str, float]:
    """`mix` in the score model's group order, so a file's key order never changes a world."""
    unknown = [label for label in mix if label not in model.groups]
    if unknown:
        raise InputFileError(
            f"field {field!r}: group {unknown[0]!r} is not in the score model "
            f"(known: {', '.join(model.groups)})"
        )
    return {label: float(mix.get(label, 0.0)) for label in model.groups}
