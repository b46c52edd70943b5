"""Each group against a reference the analyst chooses: ratios, differences, flags.

The reference is, by default, the largest group (Aequitas's "maj"), or the rate over all
searches (Fairlearn's MetricFrame `overall`), or a group the analyst names. A group with
fewer units than `min_units` (searches, or mated searches for a hit rate) is never the
reference and gets no ratio: it is flagged "too few" instead, because a ratio from five
probes says more about chance than about the group.

Ratios and differences are defined on zero: 0 against 0 is a ratio of 1 and a difference
of 0, and where either count is zero the interval is computed with 0.5 added to both
counts (the Haldane-Anscombe correction), so it is finite and wide rather than missing
or infinite. A ratio is highlighted only where its interval excludes parity (1), or, when
the analyst asks for the Aequitas band (0.8-1.25), only where the whole interval lies
outside the band.
"""

import math
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from leadreview.analysis.intervals import Estimate
from leadreview.analysis.pooled import PooledRate
from leadreview.analysis.tallies import OVERALL
from leadreview.errors import LeadreviewError

LARGEST = "largest"
MIN_UNITS = 30
AEQUITAS_BAND = (0.8, 1.25)

Status = Literal["reference", "compared", "too-few", "no-reference", "undefined"]


class Disparity(BaseModel):
    """One group's rate against the reference's, for one metric."""

    model_config = ConfigDict(frozen=True)

    status: Status
    ratio: Estimate | None = None
    difference: Estimate | None = None
    # The interval excludes parity (or lies outside the band, when one was asked for).
    highlight: bool = False
    # "worse" or "better" for the people concerned, when highlighted.
    direction: Literal["worse", "better"] | None = None
    note: str = ""


@dataclass(frozen=True)
class DisparityRules:
    reference: str = LARGEST  # "largest", "overall" or a group's label
    min_units: int = MIN_UNITS
    band: tuple[float, float] | None = None

    def describe(self) -> str:
        if self.reference == LARGEST:
            ref = "the largest group"
        elif self.reference == "overall":
            ref = "the rate over all searches"
        else:
            ref = f"the {self.reference} group"
        test = (
            f"highlighted where the whole 95% interval lies outside {self.band[0]:g}–"
            f"{self.band[1]:g} (the Aequitas band)"
            if self.band
            else "highlighted where the 95% interval excludes 1 (parity)"
        )
        return (
            f"Ratios and differences are against {ref}; groups with fewer than "
            f"{self.min_units} units are not compared; a ratio is {test}."
        )


def choose_reference(searches: dict[str, float], rules: DisparityRules) -> str | None:
    """The label ratios are taken against, or None when no group is large enough.

    `searches` are each group's searches pooled over seeds.
    """
    if rules.reference == "overall":
        return OVERALL
    if rules.reference == LARGEST:
        eligible = [(n, g) for g, n in searches.items() if n >= rules.min_units]
        if not eligible:
            return None
        # Most searches; ties go to the first label in sorted order, so it is stable.
        return min(eligible, key=lambda item: (-item[0], item[1]))[1]
    if rules.reference not in searches:
        known = ", ".join(sorted(searches)) or "none"
        raise LeadreviewError(
            f"--reference-group {rules.reference!r}: no such group in this scenario "
            f"(groups: {known}; or 'largest', 'overall')"
        )
    if searches[rules.reference] < rules.min_units:
        raise LeadreviewError(
            f"--reference-group {rules.reference!r}: only {searches[rules.reference]:g} "
            f"searches, fewer than the {rules.min_units} needed to compare against"
        )
    return rules.reference


def _corrected(rate: PooledRate, add: float) -> tuple[float, float]:
    count, units = rate.effective_count, rate.effective_units
    return count + add, units + (add if rate.bounded else 0.0)


def rate_ratio(group: PooledRate, reference: PooledRate) -> Estimate:
    """group / reference with a log-scale (Katz) interval; defined on zero counts."""
    if group.rate is None or reference.rate is None:
        return Estimate(mean=None, n=0)
    add = 0.5 if group.count == 0 or reference.count == 0 else 0.0
    yg, ng = _corrected(group, add)
    yr, nr = _corrected(reference, add)
    corrected = (yg / ng) / (yr / nr)
    if group.count == 0 and reference.count == 0:
        point = 1.0  # no harm in either: alike
    elif reference.count == 0:
        point = corrected  # some harm against none: finite only with the correction
    else:
        point = group.rate / reference.rate
    variance = 1 / yg + 1 / yr
    if group.bounded:
        variance -= 1 / ng + 1 / nr
    half = max(group.quantile, reference.quantile) * math.sqrt(max(variance, 0.0))
    low, high = corrected * math.exp(-half), corrected * math.exp(half)
    return Estimate(
        mean=point, low=min(low, point), high=max(high, point), n=min(group.seeds, reference.seeds)
    )


def rate_difference(group: PooledRate, reference: PooledRate) -> Estimate:
    """group - reference with Newcombe's hybrid score interval (MOVER on each interval)."""
    if group.rate is None or reference.rate is None:
        return Estimate(mean=None, n=0)
    lg, ug = group.interval()
    lr, ur = reference.interval()
    diff = group.rate - reference.rate
    low = diff - math.hypot(group.rate - lg, ur - reference.rate)
    high = diff + math.hypot(ug - group.rate, reference.rate - lr)
    return Estimate(mean=diff, low=low, high=high, n=min(group.seeds, reference.seeds))


def _highlight(ratio: Estimate, rules: DisparityRules) -> bool:
    if ratio.low is None or ratio.high is None:
        return False
    low_edge, high_edge = rules.band if rules.band else (1.0, 1.0)
    return ratio.low > high_edge or ratio.high < low_edge


def disparity(
    group: PooledRate,
    reference: PooledRate | None,
    *,
    is_reference: bool,
    better: Literal["lower", "higher"],
    rules: DisparityRules,
) -> Disparity:
    if is_reference:
        return Disparity(status="reference", note="reference")
    if group.rate is None:
        return Disparity(status="undefined", note="no units")
    if group.units < rules.min_units:
        return Disparity(status="too-few", note=f"too few to compare ({group.units:g})")
    if reference is None or reference.rate is None or reference.units < rules.min_units:
        return Disparity(status="no-reference", note="reference too small")
    ratio = rate_ratio(group, reference)
    highlight = _highlight(ratio, rules)
    direction: Literal["worse", "better"] | None = None
    if highlight and ratio.mean is not None:
        higher = ratio.mean > 1
        direction = "worse" if higher == (better == "lower") else "better"
    return Disparity(
        status="compared",
        ratio=ratio,
        difference=rate_difference(group, reference),
        highlight=highlight,
        direction=direction,
    )
