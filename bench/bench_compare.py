"""Policy comparison cost: searches once per seed, policies and reviewers re-use them.

- `compare` of aclu-2018 under 4 policies x 2 reviewer profiles x 10 seeds, end to end
  (world, searches, metrics): target < 30 s, shown against the searches alone.
- The same with 1, 2, 4 and 8 policies (3 seeds, 2 profiles), end to end: the ratio to
  1 policy must stay far below 2, 4 and 8 (target: below 1 + 0.25 x (p - 1)), because
  a policy adds only a mask over leads already found, never another search. Each count
  is timed in turn with the 1-policy run, repeated (single samples ranged 0.43-1.05).
- 10 seeds' searches in worker processes on every core against the same seeds run one
  after the other (results identical: tests/test_parallel_seeds.py). Target <= 0.75x.
"""

import hashlib
from functools import partial

from bench import BenchResult, paired_timings, scaled, timed_result, timings, tiny
from leadreview.analysis.batch_source import (
    ScenarioRequest,
    default_workers,
    prepare,
    scenario_batches,
)
from leadreview.analysis.compare import compare
from leadreview.domain.policy import LoadedPolicy
from leadreview.policy.loader import load_bundled_policies
from leadreview.simulation.reviewer_model import load_profiles

PROFILES = ["untrained", "trained-examiner"]


def _policies(count: int) -> list[LoadedPolicy]:
    """The bundled policies, then threshold variants of the first, up to `count`."""
    bundled = load_bundled_policies()
    extra = []
    for threshold in (85.0, 90.0, 97.0, 98.0, 99.5, 70.0):
        base = bundled[0].policy
        policy = base.model_copy(update={"name": f"bench-{threshold:g}".replace(".", "-"),
                                         "min_similarity": threshold})  # fmt: skip
        digest = hashlib.sha256(policy.model_dump_json().encode()).hexdigest()
        extra.append(LoadedPolicy(policy=policy, path="(bench)", sha256=digest))
    return [*bundled, *extra][:count]


def _request(seeds: int) -> ScenarioRequest:
    if tiny():
        return ScenarioRequest("aclu-2018", seeds=seeds, gallery_size=2_000, probes=20)
    return ScenarioRequest("aclu-2018", seeds=seeds)


def _compare(seeds: int, policies: int) -> None:
    prepared = prepare(_request(seeds))
    compare(
        scenario_batches(prepared),
        policies=_policies(policies),
        profiles=load_profiles(PROFILES),
        use_case=prepared.use_case,
    )


def _searches_alone(seeds: int, workers: int | None = None) -> None:
    for _ in scenario_batches(prepare(_request(seeds)), workers=workers):
        pass


def bench_parallel_seeds() -> BenchResult:
    seeds = scaled(10, 2)
    cores = default_workers()
    parallel, serial = paired_timings(
        lambda: _searches_alone(seeds), lambda: _searches_alone(seeds, workers=1), repeats=3
    )
    return timed_result(
        f"{seeds} seeds' searches on {cores} cores (worker processes)",
        parallel, "the same seeds one after the other", serial,
        target="ratio <= 0.75" if cores > 1 else "(one core)",
        passed=lambda a, b: cores == 1 or a <= 0.75 * b, unit="s", scale=1.0,
    )  # fmt: skip


def bench_full_compare() -> BenchResult:
    seeds = scaled(10, 1)
    _searches_alone(1)  # warm caches and imports for both
    searches = timings(lambda: _searches_alone(seeds), repeats=3, warmup=0)
    full = timings(lambda: _compare(seeds, 4), repeats=3, warmup=0)
    return timed_result(
        f"compare aclu-2018: 4 policies x 2 reviewer profiles x {seeds} seeds",
        full, f"the {seeds} seeds' searches alone", searches,
        target="< 30 s", passed=lambda ours, _: ours < 30.0, unit="s", scale=1.0,
    )  # fmt: skip


def bench_policy_scaling() -> list[BenchResult]:
    seeds = scaled(3, 1)
    results = []
    for count in (2, 4, 8):
        many, one = paired_timings(
            partial(_compare, seeds, count), partial(_compare, seeds, 1), repeats=3
        )
        limit = 1 + 0.25 * (count - 1)
        results.append(
            timed_result(
                f"compare aclu-2018, {count} policies ({seeds} seeds, 2 profiles)",
                many, "1 policy", one,
                target=f"ratio < {limit:.2f} (far below {count})",
                passed=lambda a, b, bound=limit: a / b < bound, unit="s", scale=1.0,
            )
        )  # fmt: skip
    return results


def run() -> list[BenchResult]:
    return [bench_full_compare(), bench_parallel_seeds(), *bench_policy_scaling()]
