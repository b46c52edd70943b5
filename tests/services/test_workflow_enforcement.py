"""The enforcement gate: never on a lead alone, nor on a line-up that follows from it."""

import pytest

from leadreview.domain.decision import DecisionKind
from leadreview.domain.enforcement import EnforcementKind, EvidenceItem, EvidenceKind
from leadreview.store.store import Store
from leadreview.store.tables.workflow import EnforcementRequestRow
from leadreview.workflow.errors import EnforcementRefused
from leadreview.workflow.service import ReviewWorkflow
from tests.support.workflow import (
    ALICE,
    INVESTIGATOR,
    SUPERVISOR,
    events,
    opening,
    rows,
)

LEAD_ITSELF = EvidenceItem(kind=EvidenceKind.FACE_SEARCH_LEAD, description="rank 1, 99.6")
LINEUP = EvidenceItem(
    kind=EvidenceKind.PHOTO_LINEUP, description="store contractor picked him from six photos"
)
FINGERPRINT = EvidenceItem(
    kind=EvidenceKind.FINGERPRINT, description="latent print on the shelf matches his record"
)


def forwarded_lead(workflow: ReviewWorkflow) -> int:
    lead_id = workflow.open_case(INVESTIGATOR, opening()).leads[0].lead_id
    workflow.decide(ALICE, lead_id, DecisionKind.POSSIBLE_LEAD, "same scar over the eyebrow")
    return lead_id


def _refused(workflow: ReviewWorkflow, lead_id: int, evidence: list[EvidenceItem]) -> str:
    with pytest.raises(EnforcementRefused) as caught:
        workflow.request_enforcement(INVESTIGATOR, lead_id, EnforcementKind.ARREST, evidence)
    return str(caught.value)


@pytest.mark.parametrize(
    ("evidence", "says"),
    [
        ([], "no corroborating evidence"),
        ([LEAD_ITSELF], "no evidence independent of the lead"),
        ([LINEUP], "no evidence independent of the lead"),
        ([LEAD_ITSELF, LINEUP], "face-search-lead, photo-lineup"),
        (
            [FINGERPRINT.model_copy(update={"derived_from_lead": True})],
            "no evidence independent",
        ),
        ([FINGERPRINT.model_copy(update={"description": "  "})], "has no description"),
    ],
)
def test_a_request_without_independent_evidence_is_refused_and_recorded(
    workflow: ReviewWorkflow, store: Store, evidence: list[EvidenceItem], says: str
) -> None:
    lead_id = forwarded_lead(workflow)
    assert says in _refused(workflow, lead_id, evidence)
    (row,) = rows(store, EnforcementRequestRow)
    assert row["granted"] is False and says in row["reason"]
    assert row["evidence"] == [e.model_dump(mode="json") for e in evidence]
    (event,) = events(store, "enforcement.refused")
    assert (event.actor, event.role) == ("ivy", "investigator")
    assert event.payload["request_id"] == row["id"] and event.payload["lead_id"] == lead_id
    assert event.payload["granted"] is False
    assert events(store, "enforcement.granted") == []


def test_a_request_on_a_lead_not_forwarded_is_refused(
    workflow: ReviewWorkflow, store: Store
) -> None:
    lead_id = workflow.open_case(INVESTIGATOR, opening()).leads[0].lead_id
    assert "not forwarded" in _refused(workflow, lead_id, [FINGERPRINT])
    workflow.decide(ALICE, lead_id, DecisionKind.NOT_A_MATCH, "different person")
    assert "rejected" in _refused(workflow, lead_id, [FINGERPRINT])
    assert [r["granted"] for r in rows(store, EnforcementRequestRow)] == [False, False]
    assert [e.payload["lead_status"] for e in events(store, "enforcement.refused")] == [
        "awaiting-review",
        "rejected",
    ]


def test_independent_evidence_grants_the_request(workflow: ReviewWorkflow, store: Store) -> None:
    lead_id = forwarded_lead(workflow)
    view = workflow.request_enforcement(
        SUPERVISOR, lead_id, EnforcementKind.WARRANT, [LEAD_ITSELF, LINEUP, FINGERPRINT]
    )
    assert view.granted and view.requested_by == "sam" and "fingerprint" in view.reason
    (row,) = rows(store, EnforcementRequestRow)
    assert row["granted"] is True and row["kind"] == "warrant"
    (event,) = events(store, "enforcement.granted")
    assert (event.actor, event.role) == ("sam", "supervisor")
    assert event.payload["independent_evidence"] == ["fingerprint"]
    assert workflow.lead(lead_id, INVESTIGATOR).enforcement == (view,)
