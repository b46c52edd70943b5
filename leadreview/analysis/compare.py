"""Compare policies and reviewer profiles on the same searches, overall and per group.

Each seed's searches are run once (by the caller, who hands in one `SearchBatch` per
seed); every policy is a mask over that batch, and every reviewer profile draws its
random numbers once per seed and re-uses them under every policy. The cost is one search
batch per seed plus O(searches x leads) per policy and profile: linear in seeds and in
policies, never in their product with the gallery.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from leadreview.analysis.batch import SearchBatch
from leadreview.analysis.compare_models import (
    Comparison,
    MetricTable,
    PolicyResult,
    ReviewerResult,
)
from leadreview.analysis.disparity import DisparityRules, choose_reference
from leadreview.analysis.intervals import INTERVAL_METHOD
from leadreview.analysis.metric_specs import SHARED_COUNTS, metric_specs
from leadreview.analysis.metric_table import Stack, build_table, pooled_searches, probe_shares
from leadreview.analysis.pooled import POOLED_METHOD
from leadreview.analysis.tallies import (
    Counts,
    GroupIndex,
    base_counts,
    policy_counts,
    relabel,
    reviewer_counts,
)
from leadreview.domain.policy import LoadedPolicy, UseCase
from leadreview.policy.evaluate import shown_mask
from leadreview.simulation.reviewer_model import LoadedProfile, decide_with_draws, draw_uniforms

CountsKey = tuple[str, ...]  # ("base",), ("policy", p), ("reviewer", p, r)


@dataclass
class _SeedCounts:
    labels: list[str]
    counts: dict[CountsKey, Counts] = field(default_factory=dict)


def count_seed(
    batch: SearchBatch,
    seed: int,
    policies: Sequence[LoadedPolicy],
    profiles: Sequence[LoadedProfile],
    use_case: UseCase,
) -> _SeedCounts:
    index = GroupIndex.of(batch)
    out = _SeedCounts(index.labels)
    out.counts[("base",)] = base_counts(batch, index)
    # Drawn once per profile and seed, shared by every policy: common random numbers.
    draws = {p.name: draw_uniforms(batch.similarities.shape, seed, p.name) for p in profiles}
    for policy in policies:
        shown = shown_mask(batch.similarities, policy, use_case)
        out.counts[("policy", policy.name)] = policy_counts(batch, index, shown)
        for profile in profiles:
            decisions = decide_with_draws(profile.profile, batch, shown, draws[profile.name])
            out.counts[("reviewer", policy.name, profile.name)] = reviewer_counts(
                batch, index, decisions
            )
    return out


def _stack(seeds: list[_SeedCounts], key: CountsKey, groups: list[str]) -> Stack:
    laid_out = [relabel(s.counts[key], s.labels, groups) for s in seeds]
    return {name: np.stack([c[name] for c in laid_out]) for name in laid_out[0]}


def compare(
    batches: Iterable[tuple[int, SearchBatch]],
    *,
    policies: Sequence[LoadedPolicy],
    profiles: Sequence[LoadedProfile] = (),
    use_case: UseCase = UseCase.INVESTIGATION,
    scenario: str = "",
    sources: Sequence[str] = (),
    rules: DisparityRules = DisparityRules(),
    on_seed_done: Callable[[int], None] | None = None,
) -> Comparison:
    """Metrics for every policy (and policy x profile) over the (seed, batch) pairs given.

    `batches` may be a generator: each batch is reduced to counts and dropped before the
    next is made, so memory does not grow with seeds.
    """
    seeds: list[int] = []
    counted: list[_SeedCounts] = []
    for seed, batch in batches:
        seeds.append(seed)
        counted.append(count_seed(batch, seed, policies, profiles, use_case))
        if on_seed_done is not None:
            on_seed_done(seed)
    if not counted:
        raise ValueError("a comparison needs at least one seed")
    groups = sorted({label for s in counted for label in s.labels})
    specs = metric_specs()
    policy_specs = [m for m in specs if m.level == "policy"]
    reviewer_specs = [m for m in specs if m.level == "reviewer"]
    base = _stack(counted, ("base",), groups)
    reference = choose_reference(pooled_searches(base, groups), rules)

    def table(stack: Stack, level: str) -> MetricTable:
        chosen = policy_specs if level == "policy" else reviewer_specs
        shared = SHARED_COUNTS["policy" if level == "policy" else "reviewer"]
        return build_table(stack, chosen, groups, shared, reference, rules)

    results: list[PolicyResult] = []
    for policy in policies:
        stack = base | _stack(counted, ("policy", policy.name), groups)
        reviewers = [
            ReviewerResult(
                profile=profile.name,
                profile_sha256=profile.sha256,
                metrics=table(
                    base | _stack(counted, ("reviewer", policy.name, profile.name), groups),
                    "reviewer",
                ),
            )
            for profile in profiles
        ]
        results.append(
            PolicyResult(
                policy=policy.name,
                policy_sha256=policy.sha256,
                threshold=policy.policy.threshold_for(use_case),
                max_candidates=policy.policy.max_candidates,
                metrics=table(stack, "policy"),
                reviewers=reviewers,
            )
        )
    cited: list[str] = []
    for group in [sources, *(p.policy.sources for p in policies)]:
        cited.extend(s for s in group if s not in cited)
    for profile in profiles:
        cited.extend(s for s in profile.profile.sources if s not in cited)
    return Comparison(
        scenario=scenario,
        use_case=use_case.value,
        seeds=seeds,
        interval_method=f"{POOLED_METHOD}; counts: {INTERVAL_METHOD}",
        disparity_method=rules.describe(),
        reference=reference,
        min_units=rules.min_units,
        parity_band=rules.band,
        groups=groups,
        probe_share=probe_shares(base, groups),
        metrics=specs,
        policies=results,
        sources=cited,
    )
