"""The comparison metrics: each one a count, or a ratio of two counts from `tallies`.

`better` says which way is better for the people searched for or put in front of a
reviewer: it says whether a ratio above 1 against the reference group is worse or
better. Counts are not compared between groups of different sizes, so only rates get
ratios. A rate's numerator over its denominator names the units it is pooled over.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict

Level = Literal["policy", "reviewer"]


class MetricInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    label: str
    level: Level
    numerator: str
    denominator: str | None = None  # None: a count (mean over seeds)
    better: Literal["lower", "higher"]
    description: str

    @property
    def is_rate(self) -> bool:
        return self.denominator is not None

    @property
    def unit(self) -> Literal["count", "per-search", "percent"]:
        """How to print it: a count, a number per search (may exceed 1), or a share."""
        if self.denominator is None:
            return "count"
        return "per-search" if self.key.endswith("_per_search") else "percent"

    @property
    def bounded(self) -> bool:
        """A yes/no outcome per unit (a share), not a count per unit."""
        return self.unit == "percent"


def _m(
    key: str,
    label: str,
    level: Level,
    numerator: str,
    denominator: str | None,
    better: Literal["lower", "higher"],
    description: str,
) -> MetricInfo:
    return MetricInfo(
        key=key,
        label=label,
        level=level,
        numerator=numerator,
        denominator=denominator,
        better=better,
        description=description,
    )


def metric_specs() -> list[MetricInfo]:
    return [
        _m("searches", "searches", "policy", "searches", None, "lower", "searches run"),
        _m(
            "leads_per_search", "leads shown per search", "policy", "leads_shown", "searches",
            "lower", "the review workload",
        ),
        _m(
            "hit_rate", "hit rate", "policy", "mate_shown", "mated", "higher",
            "mated searches whose true mate is shown",
        ),
        _m(
            "false_leads_shown", "false leads shown", "policy", "false_leads_shown", None,
            "lower", "leads of another person put in front of a reviewer",
        ),
        _m(
            "false_leads_per_search", "false leads per search", "policy", "false_leads_shown",
            "searches", "lower", "false leads shown, per search",
        ),
        _m(
            "probes_with_false_lead", "false-lead searches per run", "policy",
            "probes_with_false_lead", None, "lower",
            "searches showing at least one wrong person (the ACLU's 28 of 535)",
        ),
        _m(
            "false_lead_probe_rate", "searches with a false lead", "policy",
            "probes_with_false_lead", "searches", "lower",
            "searches showing at least one wrong person, as a share of searches",
        ),
        _m(
            "mates_lost", "true mates lost", "policy", "mates_lost", None, "lower",
            "mates returned by the no-threshold search but filtered by this policy",
        ),
        _m(
            "mate_loss_rate", "share of returned mates lost", "policy", "mates_lost",
            "mate_returned", "lower", "true mates lost, as a share of the mates returned",
        ),
        _m(
            "leads_forwarded", "leads forwarded", "reviewer", "leads_forwarded", None, "lower",
            "leads a reviewer forwarded as a possible lead",
        ),
        _m(
            "forwards_per_search", "forwards per search", "reviewer", "leads_forwarded",
            "searches", "lower", "leads forwarded, per search",
        ),
        _m(
            "wrongful_forwards", "wrongful forwards", "reviewer", "wrongful_forwards", None,
            "lower", "false leads a reviewer forwarded",
        ),
        _m(
            "wrongful_forwards_per_search", "wrongful forwards per search", "reviewer",
            "wrongful_forwards", "searches", "lower", "false leads forwarded, per search",
        ),
        _m(
            "wrongful_forward_search_rate", "share of searches with a wrongful forward",
            "reviewer", "searches_with_wrongful_forward", "searches", "lower",
            "searches in which a reviewer forwarded a wrong person",
        ),
        _m(
            "mate_forward_rate", "mates forwarded", "reviewer", "mate_forwarded", "mated",
            "higher", "mated searches whose true mate a reviewer forwarded",
        ),
    ]  # fmt: skip


# Each group's share of these counts is set against its share of probes (the ACLU's 39%
# of false matches against 20% of Congress).
SHARED_COUNTS: dict[Level, tuple[str, ...]] = {
    "policy": ("false_leads_shown", "probes_with_false_lead", "mates_lost"),
    "reviewer": ("wrongful_forwards",),
}
