"""The first screen of a comparison report: what happened under each policy, in words.

Each sentence is built from a `HeadlineFact`, and the facts go into the JSON export
beside the report, so every figure a reader quotes can be checked against the data
(and a test does exactly that).
"""

from pydantic import BaseModel, ConfigDict

from leadreview.analysis.compare_models import Comparison, PolicyResult
from leadreview.analysis.formatting import threshold_text
from leadreview.analysis.intervals import Estimate
from leadreview.analysis.tallies import OVERALL

# Below this many people falsely flagged (over all runs) a share of them is anecdote.
FEW_PEOPLE = 30
# The ACLU's own words for everyone outside the white group, in the test it reported.
ACLU_MAJORITY = "white"


class HeadlineFact(BaseModel):
    """The figures one policy's sentence states (shares in [0, 1])."""

    model_config = ConfigDict(frozen=True)

    policy: str
    threshold: float | None
    searches_per_seed: float
    false_lead_searches_per_seed: float
    false_lead_search_rate: Estimate
    majority_group: str
    others_label: str
    others_share_of_searched: Estimate | None
    others_share_of_falsely_flagged: Estimate | None
    hit_rate: Estimate | None
    sentence: str


def majority_group(comparison: Comparison) -> str:
    """The reference group if it is a group, else the largest group."""
    if comparison.reference not in (None, OVERALL):
        return str(comparison.reference)
    shares = {g: e.mean or 0.0 for g, e in comparison.probe_share.items()}
    return min(shares, key=lambda g: (-shares[g], g))


def others_label(group: str) -> str:
    return "people of color" if group == ACLU_MAJORITY else f"people outside the {group} group"


def _complement(est: Estimate | None) -> Estimate | None:
    """1 - a share: the complement's interval mirrors the share's (Wilson is symmetric so)."""
    if est is None or est.mean is None:
        return None
    return Estimate(
        mean=1.0 - est.mean,
        low=None if est.high is None else 1.0 - est.high,
        high=None if est.low is None else 1.0 - est.low,
        n=est.n,
        units=est.units,
    )


def pct(value: float | None) -> str:
    """A share as people read it: whole percent, one decimal below 10%."""
    if value is None:
        return "—"
    percent = 100.0 * value
    if percent != 0 and abs(percent) < 10:
        return f"{percent:.1f}%"
    return f"{percent:.0f}%"


def count(value: float) -> str:
    return f"{value:,.0f}" if value == round(value) else f"{value:,.1f}"


def _policy_words(result: PolicyResult) -> str:
    if result.threshold is None:
        return f"{result.policy} (no threshold)"
    return f"{result.policy} (threshold {threshold_text(result.threshold)})"


def fact_for(comparison: Comparison, result: PolicyResult) -> HeadlineFact:
    overall = result.metrics.overall
    group = majority_group(comparison)
    label = others_label(group)
    searched = _complement(comparison.probe_share.get(group))
    share = result.metrics.shares.get(group, {}).get("probes_with_false_lead")
    flagged = _complement(share)
    rate = overall["false_lead_probe_rate"]
    per_seed = overall["probes_with_false_lead"].mean or 0.0
    searches = overall["searches"].mean or 0.0
    words = f"Under {_policy_words(result)}, "
    if per_seed == 0:
        bound = "" if rate.high is None else f" (at most {pct(rate.high)} at 95% confidence)"
        sentence = f"{words}no search put a wrong person in front of a reviewer{bound}"
    else:
        sentence = (
            f"{words}{pct(rate.mean)} of searches put a wrong person in front of a reviewer "
            f"({count(per_seed)} of {count(searches)} per run)"
        )
        if flagged is not None and searched is not None:
            sentence += (
                f"; {pct(flagged.mean)} of the people falsely flagged were {label}, who were "
                f"{pct(searched.mean)} of those searched"
            )
            people = flagged.units or 0.0
            if people < FEW_PEOPLE:
                runs = len(comparison.seeds)
                sentence += (
                    f" (from only {count(people)} people over {runs} run{'s' if runs > 1 else ''}"
                    ": too few to read as a pattern)"
                )
    hit = overall.get("hit_rate")
    if hit is not None and hit.mean is not None:
        sentence += f"; {pct(hit.mean)} of the people in the gallery were found"
    return HeadlineFact(
        policy=result.policy,
        threshold=result.threshold,
        searches_per_seed=searches,
        false_lead_searches_per_seed=per_seed,
        false_lead_search_rate=rate,
        majority_group=group,
        others_label=label,
        others_share_of_searched=searched,
        others_share_of_falsely_flagged=flagged if per_seed else None,
        hit_rate=hit if hit is not None and hit.mean is not None else None,
        sentence=sentence + ".",
    )


def headline_facts(comparison: Comparison) -> list[HeadlineFact]:
    return [fact_for(comparison, result) for result in comparison.policies]
