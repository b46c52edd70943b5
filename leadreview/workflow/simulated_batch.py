"""Simulated reviewers review a recorded batch run (`compare --record` with profiles).

Each reviewer profile gets the run's searches as cases of its own (`open_batch_cases`):
under a one-reviewer policy the first decision closes a lead, so two profiles sharing
one case would not both be heard. Each profile's reviewer then decides every shown lead
through `review_case`, i.e. through `ReviewWorkflow.decide`, one decision per transaction,
as a person would. A `comparison.recorded` event closes the whole run, naming every
batch run, profile (with its file's SHA-256) and simulated actor, so an auditor can tell
which decisions were simulated and by what model.
"""

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from leadreview.domain.policy import UseCase
from leadreview.domain.roles import Action, Actor
from leadreview.simulation.reviewer_model import LoadedProfile, SimulatedReviewer
from leadreview.workflow.audit_port import EventType
from leadreview.workflow.batch import BatchRecorded, BatchSearch
from leadreview.workflow.batch_cases import open_batch_cases
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.permissions import require
from leadreview.workflow.policy_set import PolicySet
from leadreview.workflow.service import ReviewWorkflow
from leadreview.workflow.simulated_review import (
    TruthLookup,
    rationale_template,
    review_case,
    simulated_actor,
)


@dataclass(frozen=True)
class ProfileReview:
    profile: str
    profile_sha256: str
    actor: str
    seed: int
    batch_run_id: int
    first_case_id: int | None
    last_case_id: int | None
    decisions: dict[str, int]  # decision kind -> count


@dataclass
class RecordedComparison:
    """What a `compare --record` run wrote, seed by seed."""

    batches: list[BatchRecorded] = field(default_factory=list)
    seeds: list[int] = field(default_factory=list)
    reviews: list[ProfileReview] = field(default_factory=list)


def review_batch_run(
    ctx: WorkflowContext,
    opener: Actor,
    policies: PolicySet,
    recorded: BatchRecorded,
    searches: Sequence[BatchSearch],
    profiles: Sequence[LoadedProfile],
    *,
    seed: int,
    truth: TruthLookup,
    label: str,
    use_case: UseCase,
    collection_id: str,
    max_faces: int,
    on_case: Callable[[], None] | None = None,
) -> list[ProfileReview]:
    """Open the run's searches as cases once per profile and let each profile review them."""
    workflow = ReviewWorkflow(ctx=ctx, policies=policies)
    reviews = []
    for loaded in profiles:
        case_ids = open_batch_cases(
            ctx,
            opener,
            policies,
            recorded.batch_run_id,
            searches,
            offense=f"{label}, simulated reviewer '{loaded.name}'",
            use_case=use_case,
            collection_id=collection_id,
            max_faces=max_faces,
        )
        actor = simulated_actor(loaded.name, seed)
        reviewer = SimulatedReviewer(loaded.profile, seed)
        template = rationale_template(loaded.name, seed)
        tally: Counter[str] = Counter()
        for case_id in case_ids:
            for decided in review_case(workflow, actor, case_id, reviewer, truth, template):
                tally[decided.decision.value] += 1
            if on_case is not None:
                on_case()
        reviews.append(
            ProfileReview(
                profile=loaded.name,
                profile_sha256=loaded.sha256,
                actor=actor.name,
                seed=seed,
                batch_run_id=recorded.batch_run_id,
                first_case_id=case_ids[0] if case_ids else None,
                last_case_id=case_ids[-1] if case_ids else None,
                decisions=dict(sorted(tally.items())),
            )
        )
    return reviews


def record_comparison(
    ctx: WorkflowContext, actor: Actor, scenario: str, done: RecordedComparison
) -> None:
    """The closing `comparison.recorded` event: what the run wrote and by which models."""
    require(ctx, actor, Action.RECORD_BATCH, {"scenario": scenario})
    payload: dict[str, Any] = {
        "scenario": scenario,
        "seeds": done.seeds,
        "batch_runs": [
            {"batch_run_id": b.batch_run_id, "searches": b.searches, "leads": b.leads}
            for b in done.batches
        ],
        "simulated_reviews": [
            {
                "profile": r.profile,
                "profile_sha256": r.profile_sha256,
                "actor": r.actor,
                "seed": r.seed,
                "batch_run_id": r.batch_run_id,
                "first_case_id": r.first_case_id,
                "last_case_id": r.last_case_id,
                "decisions": r.decisions,
            }
            for r in done.reviews
        ],
    }
    with ctx.store.transaction() as session:
        ctx.audit.append(
            session,
            actor=actor.name,
            role=actor.role.value,
            event_type=EventType.COMPARISON_RECORDED.value,
            payload=payload,
        )
