"""A scenario and its overrides, turned into one `SearchBatch` per seed.

The comparison, the sweep and the report all start here, so `--seed`, `--seeds`,
`--gallery-size` and `--probes` mean the same thing to each of them. Seeds are
searched in parallel processes, one per core by default (sharing one memory-mapped
gallery when the scenario fixes it, `seed_runs.py`), or on a Dask cluster
(`cluster_seeds.py`), and handed over in seed order as each is done: a caller reduces
each to counts before taking the next.
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass

from leadreview import compiled_paths
from leadreview.analysis.batch import SearchBatch
from leadreview.analysis.seed_runs import SeedRun
from leadreview.domain.policy import UseCase
from leadreview.errors import LeadreviewError
from leadreview.simulation.scenario import Scenario, load_scenario


@dataclass(frozen=True)
class ScenarioRequest:
    scenario: str  # a bundled scenario's name or a file
    seed: int | None = None  # the first seed; the scenario's own when None
    seeds: int = 1
    gallery_size: int | None = None
    probes: int | None = None
    gallery_seed: int | None = None  # one gallery for every seed; see GallerySpec.seed
    cluster: str | None = None  # a Dask scheduler's address to run the seeds on


@dataclass(frozen=True)
class PreparedScenario:
    scenario: Scenario
    seeds: list[int]
    cluster: str | None = None
    """Where the seeds run: a Dask scheduler's address, or None for local processes."""

    @property
    def use_case(self) -> UseCase:
        return self.scenario.use_case


def _with_overrides(scenario: Scenario, request: ScenarioRequest) -> Scenario:
    data = scenario.model_dump(mode="json")
    if request.gallery_size is not None:
        data["gallery"]["size"] = request.gallery_size
    if request.probes is not None:
        data["probes"]["count"] = request.probes
    if request.gallery_seed is not None:
        data["gallery"]["seed"] = request.gallery_seed
    from pydantic import ValidationError

    try:
        # Re-validated, so an override outside the scenario's limits is refused.
        return Scenario.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise LeadreviewError(f"override of {field}: {first['msg']}") from None


def prepare(request: ScenarioRequest) -> PreparedScenario:
    if request.seeds < 1:
        raise LeadreviewError(f"--seeds must be at least 1, not {request.seeds}")
    scenario = _with_overrides(load_scenario(request.scenario), request)
    first = scenario.seed if request.seed is None else request.seed
    return PreparedScenario(scenario, [first + i for i in range(request.seeds)], request.cluster)


def default_workers() -> int:
    """Seeds searched at once by default: one process per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def seed_runs(prepared: PreparedScenario, workers: int | None = None) -> Iterator[SeedRun]:
    """Every seed's `SeedRun`, in seed order: on `prepared.cluster` when it names one,
    else in `workers` local processes (default: every core; 1 runs them here)."""
    from leadreview.simulation.score_model import load_score_model

    model = load_score_model()  # read once, shared by every seed
    if prepared.cluster is not None:
        from leadreview.analysis.cluster_seeds import cluster_seed_runs

        yield from cluster_seed_runs(prepared.scenario, prepared.seeds, prepared.cluster, model)
        return
    from leadreview.analysis.seed_runs import gallery_placement, run_seed

    workers = min(default_workers() if workers is None else workers, len(prepared.seeds))
    with gallery_placement(prepared.scenario, workers, model) as placement:
        if workers <= 1:
            for seed in prepared.seeds:
                yield run_seed(prepared.scenario, seed, placement, model)
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # "spawn": a fresh interpreter per worker, never a fork of a process running BLAS
        # and selection threads (a forked lock held by another thread would never free).
        context = multiprocessing.get_context("spawn")
        # BLAS threads per worker: the CLI sets them for the workers it lets this spawn
        # (cli/processes.py), since only the layers above the composition root touch
        # the process environment; the search kernel takes the same share, and the
        # parent's choice of compiled loops, from the initializer.
        share = compiled_paths.chosen().with_thread_share(default_workers() // workers)
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=compiled_paths.choose,
            initargs=(share,),
        )
        with pool:
            futures = [
                pool.submit(run_seed, prepared.scenario, seed, placement, model)
                for seed in prepared.seeds
            ]
            for future in futures:
                yield future.result()


def scenario_batches(
    prepared: PreparedScenario, workers: int | None = None
) -> Iterator[tuple[int, SearchBatch]]:
    """Run the scenario's searches once per seed (no threshold, `max_faces` leads each).

    Seeds run in `workers` processes at once (default: every core; 1 runs them here,
    one after the other), or on the Dask cluster `prepared.cluster`. Each seed's world is
    built from its seed alone, so the batches, yielded in seed order, are identical to a
    serial run's."""
    for run in seed_runs(prepared, workers):
        yield run.seed, run.batch
