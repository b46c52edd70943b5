"""Who did it is always known (P10): refusals by role are themselves audit events."""

import pytest

from leadreview.domain.decision import DecisionKind
from leadreview.domain.enforcement import EnforcementKind, EvidenceItem, EvidenceKind
from leadreview.domain.roles import PERMISSIONS, Action, Actor, Role, may
from leadreview.errors import PermissionRefused
from leadreview.store.store import Store
from leadreview.store.tables.workflow import (
    CaseRow,
    DecisionRow,
    EnforcementRequestRow,
    ReviewerRow,
)
from leadreview.workflow.service import ReviewWorkflow
from tests.support.workflow import (
    ALICE,
    AUDITOR,
    INVESTIGATOR,
    count,
    events,
    opening,
)

FINGERPRINT = EvidenceItem(kind=EvidenceKind.FINGERPRINT, description="print on the shelf")


def test_the_permission_table_keeps_duties_apart() -> None:
    assert set(PERMISSIONS) == set(Role)
    assert not may(Role.REVIEWER, Action.CHANGE_POLICY)
    assert not may(Role.AUDITOR, Action.DECIDE_LEAD)
    assert not may(Role.INVESTIGATOR, Action.DECIDE_LEAD)  # no reviewing your own search
    deciders = {r for r in Role if may(r, Action.DECIDE_LEAD)}
    assert deciders == {Role.REVIEWER, Role.SUPERVISOR}
    enforcers = {r for r in Role if may(r, Action.REQUEST_ENFORCEMENT)}
    assert enforcers == {Role.INVESTIGATOR, Role.SUPERVISOR}
    openers = {r for r in Role if may(r, Action.OPEN_EXERCISE)}
    assert openers == {Role.FACILITATOR, Role.SUPERVISOR}


def _refusal(store: Store) -> tuple[str, str, dict[str, object]]:
    event = events(store, "permission.refused")[-1]
    return event.actor, event.role, event.payload


def test_an_auditor_cannot_decide_a_lead_and_the_refusal_is_an_event(
    workflow: ReviewWorkflow, store: Store
) -> None:
    lead_id = workflow.open_case(INVESTIGATOR, opening()).leads[0].lead_id
    with pytest.raises(PermissionRefused, match=r"auditor.*decide-lead"):
        workflow.decide(AUDITOR, lead_id, DecisionKind.POSSIBLE_LEAD, "looks alike")
    assert count(store, DecisionRow) == 0
    actor, role, payload = _refusal(store)
    assert (actor, role) == ("audrey", "auditor")
    assert payload["action"] == "decide-lead"
    assert payload["subject"] == {"lead_id": lead_id, "decision": "possible-lead"}
    # The refused actor was not registered as a reviewer by the attempt.
    assert count(store, ReviewerRow, name="audrey") == 0


def test_a_reviewer_cannot_change_a_policy_open_a_case_or_request_an_arrest(
    workflow: ReviewWorkflow, store: Store
) -> None:
    with pytest.raises(PermissionRefused, match="change-policy"):
        workflow.authorize(ALICE, Action.CHANGE_POLICY, {"policy": "wcso-practice"})
    assert _refusal(store)[2]["subject"] == {"policy": "wcso-practice"}
    with pytest.raises(PermissionRefused, match="open-case"):
        workflow.open_case(ALICE, opening())
    assert count(store, CaseRow) == 0
    lead_id = workflow.open_case(INVESTIGATOR, opening()).leads[0].lead_id
    with pytest.raises(PermissionRefused, match="request-enforcement"):
        workflow.request_enforcement(ALICE, lead_id, EnforcementKind.ARREST, [FINGERPRINT])
    assert count(store, EnforcementRequestRow) == 0
    refused = [e.payload["action"] for e in events(store, "permission.refused")]
    assert refused == ["change-policy", "open-case", "request-enforcement"]
    assert all(
        (e.actor, e.role) == ("alice", "reviewer") for e in events(store, "permission.refused")
    )


def test_only_auditing_roles_read_the_audit_trail(workflow: ReviewWorkflow, store: Store) -> None:
    case_id = workflow.open_case(INVESTIGATOR, opening()).summary.case_id
    trail = workflow.case_events(case_id, AUDITOR)
    assert [e.event_type for e in trail] == ["case.opened", "search.recorded"]
    with pytest.raises(PermissionRefused, match="view-audit"):
        workflow.case_events(case_id, ALICE)
    assert _refusal(store)[2]["subject"] == {"case_id": case_id}
    # The refusal mentions the case, so it is part of the case's trail too.
    assert workflow.case_events(case_id, AUDITOR)[-1].event_type == "permission.refused"


def test_every_event_names_an_actor_and_a_role(workflow: ReviewWorkflow, store: Store) -> None:
    lead_id = workflow.open_case(INVESTIGATOR, opening()).leads[0].lead_id
    workflow.decide(ALICE, lead_id, DecisionKind.POSSIBLE_LEAD, "same mole")
    workflow.request_enforcement(INVESTIGATOR, lead_id, EnforcementKind.SEARCH, [FINGERPRINT])
    with pytest.raises(PermissionRefused):
        workflow.decide(
            Actor(name="ivy", role=Role.INVESTIGATOR), lead_id, DecisionKind.NOT_A_MATCH, "no"
        )
    trail = events(store)
    assert {e.event_type for e in trail} >= {
        "reviewer.registered",
        "case.opened",
        "search.recorded",
        "lead.decided",
        "enforcement.granted",
        "permission.refused",
    }
    for event in trail:
        assert event.actor and event.role in {r.value for r in Role}
