"""The result of a policy comparison, as plain frozen models (JSON as it stands)."""

from pydantic import BaseModel, ConfigDict

from leadreview.analysis.disparity import Disparity
from leadreview.analysis.intervals import Estimate
from leadreview.analysis.metric_specs import MetricInfo


class MetricTable(BaseModel):
    """One set of metrics, overall and per group (Fairlearn's MetricFrame, in effect)."""

    model_config = ConfigDict(frozen=True)

    overall: dict[str, Estimate]  # metric -> estimate
    by_group: dict[str, dict[str, Estimate]]  # group -> metric -> estimate
    reference: str | None  # the group ("(all)": every search) ratios are taken against
    disparities: dict[str, dict[str, Disparity]]  # group -> rate metric -> vs reference
    shares: dict[str, dict[str, Estimate]]  # group -> count -> the group's share of it


class ReviewerResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    profile: str
    profile_sha256: str
    metrics: MetricTable


class PolicyResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    policy: str
    policy_sha256: str
    threshold: float | None
    max_candidates: int | None
    metrics: MetricTable
    reviewers: list[ReviewerResult]


class Comparison(BaseModel):
    model_config = ConfigDict(frozen=True)

    scenario: str
    use_case: str
    seeds: list[int]
    interval_method: str
    disparity_method: str
    reference: str | None  # as in every MetricTable
    min_units: int  # groups with fewer units of a rate get no ratio
    parity_band: tuple[float, float] | None = None  # the Aequitas band, when asked for
    groups: list[str]
    probe_share: dict[str, Estimate]  # group -> share of probes
    metrics: list[MetricInfo]
    policies: list[PolicyResult]
    sources: list[str]

    def metric(self, key: str) -> MetricInfo:
        return next(m for m in self.metrics if m.key == key)
