"""Policy comparison cost: searches once per seed, policies and reviewers re-use them.

- `compare` of aclu-2018 under 4 policies x 2 reviewer profiles x 10 seeds, end to end
  (world, searches, metrics): target < 30 s, shown against the searches alone.
- The same with 1, 2, 4 and 8 policies (3 seeds, 2 profiles), end to end: the ratio to
  1 policy must stay far below 2, 4 and 8 (target: below 1 + 0.25 x (p - 1)), because
  a policy adds only a mask over leads already found, never another search. Each count
  is timed in turn with the 1-policy run, repeated (single samples ranged 0.43-1.05).
- 10 seeds' searches in worker processes on every core against the same seeds run one
  after the other (results identical: tests/test_parallel_seeds.py). Target <= 0.75x.
- `compare --seeds 100` as the command runs it (aclu-2018 as bundled: 25,000 faces, 535
  probes, the scenario's policies, every reviewer profile; `runs.comparison.run_comparison`
  and its JSON, without the progress bar): the seeds one after the other, on every local
  core, and on a two-worker Dask LocalCluster on loopback (warmed once); the speed-up of
  each against the serial run, and whether the comparisons are identical (their JSON,
  byte for byte). Target: identical, and every core faster than serial.
- Workers' memory with one fixed gallery: the workers' PSS (shared pages divided among
  the processes mapping them) and private memory, when every worker maps the one
  generated file, against every worker building its own copy of the same gallery.
"""

import hashlib
from collections.abc import Callable
from functools import partial

from bench import BenchResult, Timing, paired_timings, scaled, timed_result, timings, tiny
from leadreview.analysis.batch_source import (
    PreparedScenario,
    ScenarioRequest,
    default_workers,
    prepare,
    scenario_batches,
    seed_runs,
)
from leadreview.analysis.compare import compare
from leadreview.analysis.compare_models import Comparison
from leadreview.analysis.seed_runs import SeedRun
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


def _comparison_json(cluster: str | None = None, workers: int | None = None) -> str:
    """`leadreview compare --seeds N --format json` as the command computes it (the same
    `runs.comparison.run_comparison`, the scenario's policies, every bundled reviewer
    profile, the CLI's BLAS threads per worker), without the bar: the seeds one after
    the other (`workers=1`), on every local core (None), or on the Dask scheduler at
    `cluster`."""
    from leadreview.analysis.compare_export import comparison_json
    from leadreview.cli.processes import worker_blas_threads
    from leadreview.runs.comparison import BatchRequest, run_comparison

    seeds = scaled(100, 4)
    cores = default_workers()

    def runner(
        prepared: PreparedScenario, work: Callable[..., Comparison], source: None = None
    ) -> Comparison:
        assert source is None
        # As cli/progress.with_progress: the workers together use the cores once.
        with worker_blas_threads(max(1, cores // min(workers or cores, len(prepared.seeds)))):
            return work(scenario_batches(prepared, workers=workers))

    request = BatchRequest(
        scenario="aclu-2018", seed=None, seeds=seeds,
        gallery_size=2_000 if tiny() else None, probes=20 if tiny() else None,
        policy=None, cluster=cluster,
    )  # fmt: skip
    comparison = run_comparison(request, reviewer_profile=None, progress=runner)
    return comparison_json(comparison)


def bench_seeds_everywhere() -> list[BenchResult]:
    """compare --seeds 100 (aclu-2018 as bundled: 25,000 faces, 535 probes, every policy
    and reviewer profile): serial, every local core, a two-worker local Dask cluster."""
    from distributed import LocalCluster

    seeds = scaled(100, 4)
    cores = default_workers()
    outputs: dict[str, str] = {}

    def keep(name: str, action: Callable[[], str]) -> Callable[[], None]:
        def run() -> None:
            outputs[name] = action()

        return run

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:  # fmt: skip
        address = str(cluster.scheduler_address)
        # Warm: the cluster's workers import leadreview once, as long-running workers have.
        _comparison_json(address)
        serial, everywhere, clustered = [], [], []
        for _ in range(scaled(2, 1)):  # in turn, so drift hits all three
            serial.append(timings(keep("serial", lambda: _comparison_json(workers=1)), 1, 0))
            everywhere.append(timings(keep("cores", _comparison_json), 1, 0))
            clustered.append(timings(keep("cluster", lambda: _comparison_json(address)), 1, 0))
    same = outputs["serial"] == outputs["cores"] == outputs["cluster"]
    floor = Timing(tuple(t.samples[0] for t in serial))
    on_cores = Timing(tuple(t.samples[0] for t in everywhere))
    on_cluster = Timing(tuple(t.samples[0] for t in clustered))
    # Names short enough that each figure prints on one line (tests/services/test_bench.py).
    name = f"compare --seeds {seeds}"
    verdict = "identical" if same else "RESULTS DIFFER"

    def speed_up(timing: Timing) -> str:
        return f"x{floor.median / timing.median:.2f}"

    return [
        timed_result(
            f"{name}, {cores} local cores: {speed_up(on_cores)}, {verdict}",
            on_cores, "serial", floor,
            target="identical, ratio < 1" if cores > 1 else "identical (one core)",
            passed=lambda a, b: same and (cores == 1 or a < b), unit="s", scale=1.0,
        ),
        timed_result(
            f"{name}, 2-worker Dask LocalCluster: {speed_up(on_cluster)}, {verdict}",
            on_cluster, "serial", floor,
            target="identical", passed=lambda _a, _b: same, unit="s", scale=1.0,
        ),
    ]  # fmt: skip


def _private_mib(runs: list[SeedRun]) -> list[float]:
    """Each run's private (anonymous) memory in its worker, MiB: a copied gallery is
    here; a mapped one is in the page cache, once for every process mapping it."""
    return [(r.memory.anonymous_kib or 0) / 1024 for r in runs]


def bench_shared_gallery_memory() -> BenchResult:
    """Memory of the workers: one gallery mapped by all of them, against each building
    its own copy. Total = the workers' private memory, plus the one file's pages."""
    faces = scaled(1_000_000, 20_000)
    workers = max(1, min(2, default_workers()))
    request = ScenarioRequest("aclu-2018", seeds=workers, gallery_size=faces, probes=20,
                              gallery_seed=1)  # fmt: skip
    shared = prepare(request)
    shared_runs = list(seed_runs(shared, workers=workers))
    # The same gallery (the seed-1 matrix) built by every worker itself.
    unfixed = shared.scenario.gallery.model_copy(update={"seed": None})
    own = PreparedScenario(shared.scenario.model_copy(update={"gallery": unfixed}), [1] * workers)
    own_runs = list(seed_runs(own, workers=workers))
    gallery_mib = faces * 128 * 4 / 2**20
    shared_private, own_private = _private_mib(shared_runs), _private_mib(own_runs)
    shared_total = sum(shared_private) + gallery_mib
    mapped = all(r.gallery_mapped for r in shared_runs)
    return BenchResult(
        name=f"{workers} workers map one {gallery_mib:.0f} MiB gallery (mapped: {mapped}; "
        f"private {'/'.join(f'{m:.0f}' for m in shared_private)} MiB)",
        value=shared_total, unit="MiB",
        baseline_name=f"own copies (private {'/'.join(f'{m:.0f}' for m in own_private)} MiB)",
        baseline=sum(own_private),
        target="one gallery, not one a worker",
        passed=tiny() or (mapped and shared_total < sum(own_private) - 0.5 * gallery_mib
                          * (workers - 1)),
    )  # fmt: skip


def run() -> list[BenchResult]:
    return [
        bench_full_compare(),
        bench_parallel_seeds(),
        *bench_policy_scaling(),
        *bench_seeds_everywhere(),
        bench_shared_gallery_memory(),
    ]
