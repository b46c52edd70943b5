"""Opening a case: the search, its leads and every policy's verdict, in one transaction (P7)."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from leadreview.domain.decision import LeadStatus
from leadreview.domain.policy import DecidingRule, UseCase, Verdict
from leadreview.store.store import Store
from leadreview.store.tables.workflow import (
    CaseRow,
    LeadRow,
    PolicyDocumentRow,
    PolicyVerdictRow,
    ProbeRow,
    ReviewerRow,
    SearchRow,
)
from leadreview.workflow import recording
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.errors import InvalidRequest
from leadreview.workflow.service import ReviewWorkflow
from tests.support.workflow import (
    ALICE,
    AUDITOR,
    INVESTIGATOR,
    SIMILARITIES,
    TOP,
    count,
    events,
    make_backend,
    opening,
    policy_set,
    rows,
)

WORKFLOW_TABLES = (ReviewerRow, CaseRow, ProbeRow, SearchRow, LeadRow, PolicyVerdictRow)


def test_open_case_records_k_leads_and_k_times_p_verdicts(
    workflow: ReviewWorkflow, store: Store
) -> None:
    detail = workflow.open_case(INVESTIGATOR, opening())
    p = len(workflow.policies.policies)
    case_id = detail.summary.case_id

    assert count(store, LeadRow, case_id=case_id) == TOP
    lead_rows = rows(store, LeadRow, case_id=case_id)
    assert [r["rank"] for r in lead_rows] == list(range(1, TOP + 1))
    assert [round(r["similarity"], 2) for r in lead_rows] == list(SIMILARITIES[:TOP])
    verdicts = rows(store, PolicyVerdictRow)
    assert len(verdicts) == TOP * p
    # Every verdict names its policy and the SHA-256 of the exact file, which is stored.
    digests = {lp.name: lp.sha256 for lp in workflow.policies.policies}
    for v in verdicts:
        assert v["policy_sha256"] == digests[v["policy_name"]]
    assert {d["sha256"] for d in rows(store, PolicyDocumentRow)} == set(digests.values())

    search = rows(store, SearchRow)[0]
    assert search["face_match_threshold"] == 0.0
    assert search["max_faces"] == TOP
    assert search["policy_name"] == "wcso-practice"

    (opened,) = events(store, "case.opened")
    assert opened.actor == INVESTIGATOR.name and opened.role == "investigator"
    assert opened.payload["case_id"] == case_id
    (recorded,) = events(store, "search.recorded")
    assert recorded.payload["verdict_count"] == TOP * p
    assert [lead["rank"] for lead in recorded.payload["leads"]] == list(range(1, TOP + 1))
    assert all(len(lead["verdicts"]) == p for lead in recorded.payload["leads"])
    names = [q["name"] for q in recorded.payload["policies"]]
    # The 96.03 lead: shown by the practice and by 95, filtered by 99 on its threshold.
    second = dict(zip(names, recorded.payload["leads"][1]["verdicts"], strict=True))
    assert second["wcso-practice"][0] == "shown"
    assert second["amazon-police-95"][0] == "shown"
    assert second["amazon-documented-99"][:2] == ["filtered", "min-similarity"]


def test_the_policy_in_force_decides_what_reviewers_see(
    ctx: WorkflowContext, policy_dir: Path, store: Store
) -> None:
    workflow = ReviewWorkflow(
        ctx=ctx, policies=policy_set(policy_dir, "rekognition-default"), backend=make_backend()
    )
    detail = workflow.open_case(INVESTIGATOR, opening())
    # No maximum in that policy: the search asks for up to 50 and gets all 7 faces.
    assert detail.summary.lead_count == len(SIMILARITIES)
    assert detail.summary.shown_count == 4  # 99.6, 96.03, 93.5, 88 pass 80
    statuses = {r["rank"]: r["status"] for r in rows(store, LeadRow)}
    assert statuses[5] == LeadStatus.FILTERED.value

    as_reviewer = workflow.case(detail.summary.case_id, ALICE)
    assert [lead.rank for lead in as_reviewer.leads] == [1, 2, 3, 4]
    assert as_reviewer.hidden_filtered == 3
    as_auditor = workflow.case(detail.summary.case_id, AUDITOR)
    fifth = as_auditor.leads[4]
    verdict = fifth.verdict_for("rekognition-default")
    assert verdict is not None and verdict.in_force
    assert verdict.verdict is Verdict.FILTERED and verdict.rule is DecidingRule.MIN_SIMILARITY
    assert fifth.verdict_for("wcso-practice").verdict is Verdict.SHOWN  # type: ignore[union-attr]


def _nothing_written(store: Store) -> None:
    for model in WORKFLOW_TABLES:
        assert count(store, model) == 0, model.__name__
    assert events(store) == []


def test_a_failure_after_the_leads_are_written_leaves_nothing(
    workflow: ReviewWorkflow, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = recording.insert_rows

    def failing_insert(session, table, columns, rows):  # type: ignore[no-untyped-def]
        if table.name == "policy_verdict":
            # The search and its leads are already written in this transaction.
            assert session.execute(sa.text("SELECT count(*) FROM lead")).scalar() == TOP
            raise RuntimeError("disk full while writing verdicts")
        return original(session, table, columns, rows)

    monkeypatch.setattr(recording, "insert_rows", failing_insert)
    with pytest.raises(RuntimeError, match="disk full"):
        workflow.open_case(INVESTIGATOR, opening())
    _nothing_written(store)


def test_a_failing_audit_append_leaves_nothing(
    workflow: ReviewWorkflow, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    audit = workflow.ctx.audit
    original = audit.append_many

    def failing(session, events):  # type: ignore[no-untyped-def]
        original(session, events)  # the events are written, then the transaction fails
        raise RuntimeError("audit store refused")

    monkeypatch.setattr(audit, "append_many", failing)
    with pytest.raises(RuntimeError, match="audit store refused"):
        workflow.open_case(INVESTIGATOR, opening())
    _nothing_written(store)


def test_a_use_case_the_policy_in_force_forbids_is_refused_before_searching(
    ctx: WorkflowContext, policy_dir: Path, store: Store
) -> None:
    workflow = ReviewWorkflow(
        ctx=ctx, policies=policy_set(policy_dir, "two-reviewers"), backend=make_backend()
    )
    with pytest.raises(InvalidRequest, match="victim-identification"):
        workflow.open_case(INVESTIGATOR, opening(use_case=UseCase.VICTIM_IDENTIFICATION))
    _nothing_written(store)


def test_queue_and_case_detail_are_complete(workflow: ReviewWorkflow) -> None:
    detail = workflow.open_case(INVESTIGATOR, opening())
    (summary,) = workflow.queue(ALICE)
    assert summary == workflow.case(detail.summary.case_id, ALICE).summary
    assert summary.lead_count == TOP and summary.awaiting_count == TOP
    assert summary.viewer_decided == 0 and summary.viewer_pending == TOP
    assert detail.probe.image_size > 0 and detail.probe.probe_ref == "probe-001"
    assert workflow.probe_image(summary.case_id) is not None
    assert [p.name for p in detail.policies if p.in_force] == ["wcso-practice"]
    lead = workflow.lead(detail.leads[0].lead_id, ALICE)
    assert lead.lead.external_image_id == "booking-001"
    assert lead.case is not None and lead.case.case_id == summary.case_id
