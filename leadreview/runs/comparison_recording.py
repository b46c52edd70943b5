"""`compare --record`: every seed's searches, leads and verdicts, and simulated decisions.

Each seed is its own batch run, written by `record_batch` as `replay --record` writes
one (the same in-force policy, `runs.recording.IN_FORCE`). The searches are run once per
seed and feed both the record and the comparison, so recording costs no extra search.

With reviewer profiles, the first seed's run (`DECISION_SEEDS`) is also reviewed by one
simulated reviewer per profile through the review workflow: one transaction and one
re-read per decision, as for a person, about 18 ms each on SQLite, so 100 s for the
5,350 decisions of aclu-2018 with two profiles. Doing that for every seed would make
`--seeds 10` a quarter of an hour; the decisions of one seed are what an audit samples.
The run ends with a `comparison.recorded` event.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from leadreview.domain.probe import ProbeTruth

# How many seeds (the first ones) simulated reviewers review through the workflow.
DECISION_SEEDS = 1

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import Console

    from leadreview.analysis.batch import SearchBatch
    from leadreview.analysis.batch_source import PreparedScenario
    from leadreview.analysis.run_batch import ScenarioRun
    from leadreview.domain.policy import LoadedPolicy
    from leadreview.simulation.reviewer_model import LoadedProfile
    from leadreview.simulation.world import World
    from leadreview.store.store import Store
    from leadreview.workflow.simulated_batch import RecordedComparison


class WorldTruth:
    """The simulated world's ground truth, by probe reference (`TruthLookup`)."""

    def __init__(self, world: "World") -> None:
        self._by_ref = {t.probe_id: t for t in world.truth.truths}

    def truth_for(self, probe_ref: str) -> ProbeTruth | None:
        return self._by_ref.get(probe_ref)


@dataclass
class ComparisonRecorder:
    store: "Store"
    actor_name: str
    policies: Sequence["LoadedPolicy"]
    profiles: Sequence["LoadedProfile"]
    done: "RecordedComparison" = field(init=False)

    def __post_init__(self) -> None:
        from leadreview.workflow.simulated_batch import RecordedComparison

        self.done = RecordedComparison()

    def batches(
        self, prepared: "PreparedScenario", note: "Callable[[str], None]"
    ) -> Iterator[tuple[int, "SearchBatch"]]:
        """The comparison's batches, each seed recorded before it is handed on."""
        from leadreview.analysis.run_batch import run_scenario
        from leadreview.simulation.score_model import load_score_model

        model = load_score_model()
        for index, seed in enumerate(prepared.seeds):
            run = run_scenario(prepared.scenario, seed=seed, model=model)
            note(f"seed {seed}: recording searches")
            self._record(run, review=index < DECISION_SEEDS, note=note)
            yield seed, run.batch

    def _record(self, run: "ScenarioRun", *, review: bool, note: "Callable[[str], None]") -> None:
        from leadreview.analysis.run_batch import COLLECTION_ID
        from leadreview.audit.log import AuditLog
        from leadreview.domain.roles import Actor, Role
        from leadreview.runs.recording import with_policy_in_force
        from leadreview.workflow.batch import record_batch, searches_from_result
        from leadreview.workflow.context import WorkflowContext
        from leadreview.workflow.simulated_batch import review_batch_run

        policies = with_policy_in_force(self.policies)
        ctx = WorkflowContext(store=self.store, audit=AuditLog())
        world = run.world
        label = f"compare {world.scenario.name} seed {world.seed}"
        searches = list(
            searches_from_result(run.result, world.probes, world.gallery.external_image_id)
        )
        max_faces = int(run.result.positions.shape[1])
        recorded = record_batch(
            ctx,
            Actor(name=self.actor_name, role=Role.ANALYST),
            policies,
            searches,
            label=label,
            use_case=world.scenario.use_case,
            collection_id=COLLECTION_ID,
            max_faces=max_faces,
        )
        self.done.batches.append(recorded)
        self.done.seeds.append(world.seed)
        if not review or not self.profiles:
            return
        cases = [0]

        def reviewed() -> None:
            cases[0] += 1
            note(f"seed {world.seed}: simulated review, case {cases[0]}/{total}")

        total = len(searches) * len(self.profiles)
        # An analyst may not open cases; staging cases for (simulated) reviewers is the
        # facilitator's part, so the same person opens them in that role, on record.
        self.done.reviews.extend(
            review_batch_run(
                ctx,
                Actor(name=self.actor_name, role=Role.FACILITATOR),
                policies,
                recorded,
                searches,
                self.profiles,
                seed=world.seed,
                truth=WorldTruth(world),
                label=label,
                use_case=world.scenario.use_case,
                collection_id=COLLECTION_ID,
                max_faces=max_faces,
                on_case=reviewed,
            )
        )

    def finish(self, scenario: str, console: "Console") -> None:
        from leadreview.audit.log import AuditLog
        from leadreview.domain.roles import Actor, Role
        from leadreview.workflow.context import WorkflowContext
        from leadreview.workflow.simulated_batch import record_comparison

        ctx = WorkflowContext(store=self.store, audit=AuditLog())
        record_comparison(ctx, Actor(name=self.actor_name, role=Role.ANALYST), scenario, self.done)
        for batch in self.done.batches:
            console.print(
                f"recorded batch run {batch.batch_run_id}: {batch.searches} searches, "
                f"{batch.leads} leads, {batch.verdicts} verdicts"
            )
        for review in self.done.reviews:
            made = ", ".join(f"{n} {kind}" for kind, n in review.decisions.items()) or "none"
            console.print(
                f"{review.actor!r} reviewed cases {review.first_case_id}–{review.last_case_id} "
                f"(batch run {review.batch_run_id}): {made}"
            )
        console.print(f"in {self.store.url}")
