"""Command-line overrides of a scenario (gallery size, probe count), re-validated."""

from typing import Any

from pydantic import ValidationError

from leadreview.errors import LeadreviewError
from leadreview.simulation.scenario import Scenario


def with_overrides(
    scenario: Scenario, *, gallery_size: int | None = None, probes: int | None = None
) -> Scenario:
    data: dict[str, Any] = scenario.model_dump(mode="json")
    if gallery_size is not None:
        data["gallery"]["size"] = gallery_size
    if probes is not None:
        data["probes"]["count"] = probes
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise LeadreviewError(
            f"scenario {scenario.name}: override {field}: {first['msg']}"
        ) from None
