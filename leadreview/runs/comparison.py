"""Comparisons and sweeps over a scenario's seeds: the batches made once per seed, then
every policy (and reviewer profile) applied to them; optionally each seed recorded.

The caller shows progress: it passes `progress`, which runs the work over the batches
(the CLI draws a bar on stderr; a test can pass `without_progress`).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

from leadreview.errors import LeadreviewError

if TYPE_CHECKING:
    from rich.console import Console

    from leadreview.analysis.batch import SearchBatch
    from leadreview.analysis.batch_source import PreparedScenario
    from leadreview.analysis.compare_models import Comparison
    from leadreview.analysis.disparity import DisparityRules
    from leadreview.analysis.sweep import Sweep
    from leadreview.store.store import Store

T = TypeVar("T")
Batches = Iterator[tuple[int, "SearchBatch"]]
# Makes a scenario's batches; the callback shows a note beside the progress display.
BatchSource = Callable[["PreparedScenario", Callable[[str], None]], Batches]


class ProgressRunner(Protocol):
    def __call__(
        self,
        prepared: "PreparedScenario",
        work: Callable[[Batches], T],
        source: BatchSource | None = None,
    ) -> T: ...


def without_progress(
    prepared: "PreparedScenario", work: Callable[[Batches], T], source: BatchSource | None = None
) -> T:
    """Run `work` over the scenario's batches, showing nothing."""
    from leadreview.analysis.batch_source import scenario_batches

    return work(scenario_batches(prepared) if source is None else source(prepared, lambda _: None))


@dataclass(frozen=True, kw_only=True)
class BatchRequest:
    """Which searches a comparison or a sweep runs over: the scenario, its seeds' worlds
    and the policies applied, and where the seeds run (here, or on a Dask scheduler)."""

    scenario: str
    seed: int | None
    seeds: int
    gallery_size: int | None
    probes: int | None
    policy: list[str] | None
    gallery_seed: int | None = None
    cluster: str | None = None

    def prepare(self) -> "PreparedScenario":
        from leadreview.runs.scenarios import prepare_scenario

        return prepare_scenario(
            self.scenario,
            self.seed,
            self.seeds,
            self.gallery_size,
            self.probes,
            gallery_seed=self.gallery_seed,
            cluster=self.cluster,
        )


@dataclass(frozen=True)
class RecordTo:
    """Where and as whom a comparison's runs are recorded, and where to say so."""

    store: "Store"
    actor_name: str
    console: "Console"


def run_comparison(
    request: BatchRequest,
    *,
    reviewer_profile: list[str] | None,
    progress: ProgressRunner = without_progress,
    record_to: RecordTo | None = None,
    rules: "DisparityRules | None" = None,
) -> "Comparison":
    from leadreview.analysis.compare import compare
    from leadreview.analysis.disparity import DisparityRules
    from leadreview.runs.scenarios import policies_for
    from leadreview.simulation.reviewer_model import bundled_profile_names, load_profiles

    if record_to is not None and request.cluster is not None:
        # Recording writes each seed's world to the log from this process.
        raise LeadreviewError("--record runs the seeds here: give --record or --cluster, not both")
    prepared = request.prepare()
    policies = policies_for(prepared, request.policy)
    profiles = load_profiles(reviewer_profile or bundled_profile_names())

    def run(source: BatchSource | None) -> "Comparison":
        return progress(
            prepared,
            lambda batches: compare(
                batches,
                policies=policies,
                profiles=profiles,
                use_case=prepared.use_case,
                scenario=prepared.scenario.name,
                sources=prepared.scenario.sources,
                rules=rules or DisparityRules(),
            ),
            source,
        )

    if record_to is None:
        return run(None)
    from leadreview.runs.comparison_recording import ComparisonRecorder

    recorder = ComparisonRecorder(record_to.store, record_to.actor_name, policies, profiles)
    comparison = run(recorder.batches)
    recorder.finish(prepared.scenario.name, record_to.console)
    return comparison


def run_sweep(
    request: BatchRequest,
    *,
    step: float,
    max_candidates: int | None,
    progress: ProgressRunner = without_progress,
) -> "Sweep":
    from leadreview.analysis.sweep import default_thresholds, sweep
    from leadreview.runs.scenarios import policies_for

    prepared = request.prepare()
    policies = policies_for(prepared, request.policy)
    marks = {
        p.name: threshold
        for p in policies
        if (threshold := p.policy.threshold_for(prepared.use_case)) is not None
    }
    rank_marks = {
        p.name: p.policy.max_candidates for p in policies if p.policy.max_candidates is not None
    }
    return progress(
        prepared,
        lambda batches: sweep(
            batches,
            thresholds=default_thresholds(step),
            max_candidates=max_candidates,
            scenario=prepared.scenario.name,
            marks=marks,
            rank_marks=rank_marks,
            sources=prepared.scenario.sources,
        ),
    )
