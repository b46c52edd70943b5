"""Exact expectations of the calibration figures, from the impostor distribution in `tail`."""

from dataclasses import dataclass

from leadreview.domain.identity import Sex
from leadreview.simulation.allocation import class_shares, largest_remainder, split_class_key
from leadreview.simulation.mixes import ordered_group_mix
from leadreview.simulation.scenario import Scenario
from leadreview.simulation.score_model import ScoreModel
from leadreview.simulation.tail import (
    ClassCounts,
    any_false_match,
    same_class_fmr,
    sphere_quantile,
)


def _counts(mix: dict[str, float], female_share: float, total: int) -> dict[tuple[str, Sex], float]:
    allocated = largest_remainder(class_shares(mix, female_share), total)
    return {split_class_key(key): float(n) for key, n in allocated.items()}


def gallery_counts(model: ScoreModel, scenario: Scenario, size: int | None = None) -> ClassCounts:
    """Faces per (group, sex), exactly as the generator allocates them."""
    spec = scenario.gallery
    mix = ordered_group_mix(spec.group_mix, model, "gallery.group_mix")
    return _counts(mix, spec.female_share, spec.size if size is None else size)


def probe_counts(model: ScoreModel, scenario: Scenario) -> ClassCounts:
    mix = ordered_group_mix(scenario.probe_group_mix(), model, "probes.group_mix")
    return _counts(mix, scenario.probe_female_share(), scenario.probes.count)


@dataclass(frozen=True)
class FalseMatchExpectation:
    probes: float
    """Expected number of non-mated probes with at least one face above the threshold."""
    outside_reference: float
    """The part of `probes` whose subjects are not of the reference group."""

    @property
    def share_outside_reference(self) -> float:
        return self.outside_reference / self.probes if self.probes > 0 else 0.0


def expected_false_match_probes(
    model: ScoreModel,
    scenario: Scenario,
    cosine: float,
    reference_group: str,
    gallery_size: int | None = None,
) -> FalseMatchExpectation:
    gallery = gallery_counts(model, scenario, gallery_size)
    total = outside = 0.0
    for probe_class, n in probe_counts(model, scenario).items():
        if n:
            expected = n * any_false_match(model, probe_class, gallery, cosine)
            total += expected
            if probe_class[0] != reference_group:
                outside += expected
    return FalseMatchExpectation(probes=total, outside_reference=outside)


def operating_cosine(model: ScoreModel, reference_group: str, fmr: float) -> float:
    """The cosine at which two men of the reference group falsely match at rate `fmr`."""
    tightness = model.structure_tightness(reference_group, Sex.MALE)
    return tightness + (1.0 - tightness) * sphere_quantile(fmr, model.individual_dims)


@dataclass(frozen=True)
class Differentials:
    group_ratio: float
    """Highest over lowest same-group false-match rate among men (NISTIR 8280 style)."""
    highest_group: str
    lowest_group: str
    women_to_men: float
    """Women over men, same-group pairs of the reference group."""


def differentials(model: ScoreModel, reference_group: str, cosine: float) -> Differentials:
    rates = {g: same_class_fmr(model, g, Sex.MALE, cosine) for g in model.groups}
    highest = max(rates, key=lambda g: rates[g])
    lowest = min(rates, key=lambda g: rates[g])
    women = same_class_fmr(model, reference_group, Sex.FEMALE, cosine)
    men = rates[reference_group]
    return Differentials(
        group_ratio=rates[highest] / rates[lowest] if rates[lowest] > 0 else float("inf"),
        highest_group=highest,
        lowest_group=lowest,
        women_to_men=women / men if men > 0 else float("inf"),
    )
