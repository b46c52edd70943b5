"""A simulated reviewer decides through the review workflow, exactly as a person does."""

from dataclasses import dataclass
from pathlib import Path

import pytest

from leadreview.domain.decision import DecisionKind, LeadStatus
from leadreview.domain.identity import AgeBand, Sex
from leadreview.domain.probe import ProbeTruth
from leadreview.domain.roles import Actor, Role
from leadreview.errors import PermissionRefused
from leadreview.simulation.reviewer_model import (
    ErrorRates,
    ReviewerProfile,
    SimulatedReviewer,
    load_profiles,
)
from leadreview.store.store import Store
from leadreview.store.tables.workflow import DecisionRow
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.errors import InvalidRequest, LeadNotOpen
from leadreview.workflow.service import ReviewWorkflow
from leadreview.workflow.simulated_review import (
    rationale_template,
    review_case,
    simulated_actor,
)
from tests.support.workflow import (
    INVESTIGATOR,
    TOP,
    count,
    events,
    make_backend,
    opening,
    policy_set,
)

SEED = 7


@dataclass
class Truth:
    """The probe's subject is the lead at rank 2 (the sheriff's 96.03 true lead)."""

    mate_face_id: str | None

    def truth_for(self, probe_ref: str) -> ProbeTruth | None:
        if probe_ref != "probe-001":
            return None
        return ProbeTruth(
            probe_id=probe_ref,
            mated=self.mate_face_id is not None,
            mate_face_id=self.mate_face_id,
            subject_group="adults",
            subject_sex=Sex.FEMALE,
            subject_age_band=AgeBand.ADULT,
        )


def untrained() -> SimulatedReviewer:
    (loaded,) = load_profiles(["untrained"])
    return SimulatedReviewer(loaded.profile, SEED)


def forwarder(name: str) -> SimulatedReviewer:
    """A reviewer who forwards virtually everything: makes the N-reviewer rule visible."""
    rates = ErrorRates(false_accept=0.999999, false_reject=0.000001)
    profile = ReviewerProfile(
        name=name, title="forwards all", sources=["test"], one_to_one=rates, candidate_list=rates
    )
    return SimulatedReviewer(profile, SEED)


def open_case(workflow: ReviewWorkflow) -> tuple[int, Truth]:
    detail = workflow.open_case(INVESTIGATOR, opening())
    mate = next(lead.face_id for lead in detail.leads if lead.rank == 2)
    return detail.summary.case_id, Truth(mate)


def test_decisions_land_as_lead_decided_events_with_the_simulated_actor(
    workflow: ReviewWorkflow, store: Store
) -> None:
    case_id, truth = open_case(workflow)
    actor = simulated_actor("untrained", SEED)
    decided = review_case(
        workflow, actor, case_id, untrained(), truth, rationale_template("untrained", SEED)
    )
    assert len(decided) == TOP  # every lead the practice shows, none it filters
    decided_events = events(store, "lead.decided")
    assert [e.payload["lead_id"] for e in decided_events] == [d.lead_id for d in decided]
    assert {(e.actor, e.role) for e in decided_events} == {(actor.name, "reviewer")}
    second = next(e for e in decided_events if e.payload["rank"] == 2)
    assert second.payload["rationale"] == (
        f"simulated reviewer 'untrained' (seed {SEED}): similarity 96.03, rank 2"
    )
    assert {e.actor for e in events(store, "reviewer.registered")} >= {actor.name}
    # The decisions are the workflow's own rows, read back through the service.
    case = workflow.case(case_id, actor)
    assert all(lead.decided_by(actor.name) for lead in case.leads)
    assert case.summary.awaiting_count == 0


def test_the_same_profile_and_seed_decide_the_same_way(
    ctx: WorkflowContext, policy_dir: Path
) -> None:
    runs = []
    for name in ("first", "second"):
        workflow = ReviewWorkflow(ctx=ctx, policies=policy_set(policy_dir), backend=make_backend())
        case_id, truth = open_case(workflow)
        actor = Actor(name=f"simulated untrained {name}", role=Role.REVIEWER)
        decided = review_case(workflow, actor, case_id, untrained(), truth, "sim {rank}")
        runs.append([d.decision for d in decided])
    assert runs[0] == runs[1]


def test_the_two_reviewer_rule_applies_to_simulated_reviewers(
    ctx: WorkflowContext, policy_dir: Path, store: Store
) -> None:
    workflow = ReviewWorkflow(
        ctx=ctx, policies=policy_set(policy_dir, "two-reviewers"), backend=make_backend()
    )
    case_id, truth = open_case(workflow)
    first = simulated_actor("forwarder", 1)
    decided = review_case(workflow, first, case_id, forwarder("forwarder"), truth, "sim {rank}")
    assert {d.decision for d in decided} == {DecisionKind.POSSIBLE_LEAD}
    assert {d.lead.status for d in decided} == {LeadStatus.AWAITING_AGREEMENT}

    # The same simulated reviewer cannot be its own second reviewer …
    assert review_case(workflow, first, case_id, forwarder("forwarder"), truth, "x") == []
    with pytest.raises(LeadNotOpen, match="second reviewer must be someone else"):
        workflow.decide(first, decided[0].lead_id, DecisionKind.POSSIBLE_LEAD, "again")
    assert count(store, DecisionRow) == len(decided)

    # … a second one is, and only then are the leads forwarded.
    second = simulated_actor("forwarder", 2)
    again = review_case(workflow, second, case_id, forwarder("forwarder"), truth, "sim {rank}")
    assert {d.lead.status for d in again} == {LeadStatus.FORWARDED}
    assert all(d.lead.possible_lead_votes == 2 for d in again)
    last = events(store, "lead.decided")[-1]
    assert last.actor == second.name
    assert last.payload["earlier_decisions"] == [
        {"reviewer": first.name, "role": "reviewer", "decision": "possible-lead"}
    ]


def test_a_simulated_reviewer_in_the_wrong_role_is_refused_and_recorded(
    workflow: ReviewWorkflow, store: Store
) -> None:
    case_id, truth = open_case(workflow)
    actor = Actor(name="simulated untrained seed 7", role=Role.INVESTIGATOR)
    with pytest.raises(PermissionRefused, match="may not decide-lead"):
        review_case(workflow, actor, case_id, untrained(), truth, "sim {rank}")
    (refusal,) = events(store, "permission.refused")
    assert refusal.actor == actor.name
    assert count(store, DecisionRow) == 0


def test_without_ground_truth_nothing_is_decided(workflow: ReviewWorkflow, store: Store) -> None:
    detail = workflow.open_case(INVESTIGATOR, opening(probe_ref="probe-unknown"))
    actor = simulated_actor("untrained", SEED)
    with pytest.raises(InvalidRequest, match="no ground truth for probe 'probe-unknown'"):
        review_case(workflow, actor, detail.summary.case_id, untrained(), Truth(None), "x")
    assert count(store, DecisionRow) == 0
