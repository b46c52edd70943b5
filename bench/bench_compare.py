"""Policy comparison cost: searches once per seed, policies and reviewers re-use them.

- `compare` of aclu-2018 under 4 policies x 2 reviewer profiles x 10 seeds, end to end
  (world, searches, metrics): target < 30 s, shown against the searches alone.
- The same with 1, 2, 4 and 8 policies (3 seeds, 2 profiles), end to end: the ratio to
  1 policy must stay far below 2, 4 and 8 (target: below 1 + 0.25 x (p - 1)), because
  a policy adds only a mask over leads already found, never another search.
"""

import hashlib
import time
from collections.abc import Callable
from functools import partial

from bench import BenchResult
from leadreview.analysis.batch_source import ScenarioRequest, prepare, scenario_batches
from leadreview.analysis.compare import compare
from leadreview.domain.policy import LoadedPolicy
from leadreview.policy.loader import load_bundled_policies
from leadreview.simulation.reviewer_model import load_profiles

PROFILES = ["untrained", "trained-examiner"]


def _seconds(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


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


def _compare(seeds: int, policies: int) -> None:
    prepared = prepare(ScenarioRequest("aclu-2018", seeds=seeds))
    compare(
        scenario_batches(prepared),
        policies=_policies(policies),
        profiles=load_profiles(PROFILES),
        use_case=prepared.use_case,
    )


def _searches_alone(seeds: int) -> None:
    for _ in scenario_batches(prepare(ScenarioRequest("aclu-2018", seeds=seeds))):
        pass


def bench_full_compare() -> BenchResult:
    _searches_alone(1)  # warm caches and imports for both
    searches = _seconds(lambda: _searches_alone(10))
    full = _seconds(lambda: _compare(10, 4))
    return BenchResult(
        name="compare aclu-2018: 4 policies x 2 reviewer profiles x 10 seeds",
        value=full,
        unit="s",
        baseline_name="the 10 seeds' searches alone",
        baseline=searches,
        target="< 30 s",
        passed=full < 30.0,
    )


def bench_policy_scaling() -> list[BenchResult]:
    _compare(1, 1)  # warm-up, so the 1-policy baseline is not the first run
    one = _seconds(lambda: _compare(3, 1))
    results = []
    for count in (2, 4, 8):
        seconds = _seconds(partial(_compare, 3, count))
        limit = 1 + 0.25 * (count - 1)
        results.append(
            BenchResult(
                name=f"compare aclu-2018, {count} policies (3 seeds, 2 profiles)",
                value=seconds,
                unit="s",
                baseline_name="1 policy",
                baseline=one,
                target=f"ratio < {limit:.2f} (far below {count})",
                passed=seconds / one < limit,
            )
        )
    return results


def run() -> list[BenchResult]:
    return [bench_full_compare(), *bench_policy_scaling()]
