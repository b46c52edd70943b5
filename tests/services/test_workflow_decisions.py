"""Reviewers' decisions: rationale required, N reviewers to forward, conflicts reported."""

import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from leadreview.audit.log import _HEAD_SQL
from leadreview.domain.decision import DecisionKind, LeadStatus
from leadreview.policy.loader import load_policy_file
from leadreview.store.store import Store
from leadreview.store.tables.workflow import DecisionRow, LeadRow
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.errors import DecisionConflict, EmptyRationale, LeadNotOpen
from leadreview.workflow.policy_set import PolicySet
from leadreview.workflow.service import ReviewWorkflow
from tests.support.workflow import (
    ALICE,
    BOB,
    INVESTIGATOR,
    count,
    events,
    make_backend,
    opening,
    policy_set,
    rows,
)

POSSIBLE = DecisionKind.POSSIBLE_LEAD
NOT_A_MATCH = DecisionKind.NOT_A_MATCH


def first_lead(workflow: ReviewWorkflow) -> int:
    detail = workflow.open_case(INVESTIGATOR, opening())
    return detail.leads[0].lead_id


@pytest.mark.parametrize("rationale", ["", "   ", "\n\t "])
def test_an_empty_rationale_is_refused_and_nothing_is_written(
    workflow: ReviewWorkflow, store: Store, rationale: str
) -> None:
    lead_id = first_lead(workflow)
    with pytest.raises(EmptyRationale, match=f"lead {lead_id}"):
        workflow.decide(ALICE, lead_id, POSSIBLE, rationale)
    assert count(store, DecisionRow) == 0
    (lead,) = rows(store, LeadRow, id=lead_id)
    assert (lead["status"], lead["version"]) == (LeadStatus.AWAITING_REVIEW.value, 1)
    assert events(store, "lead.decided") == []


def test_one_reviewer_forwards_under_the_practice(workflow: ReviewWorkflow, store: Store) -> None:
    lead_id = first_lead(workflow)
    view = workflow.decide(ALICE, lead_id, POSSIBLE, "  same ear shape and scar  ")
    assert view.status is LeadStatus.FORWARDED and view.version == 2
    (decision,) = rows(store, DecisionRow)
    assert decision["rationale"] == "same ear shape and scar"
    assert decision["lead_version"] == 1
    (event,) = events(store, "lead.decided")
    assert (event.actor, event.role) == ("alice", "reviewer")
    assert event.payload["lead_id"] == lead_id
    assert event.payload["decision_id"] == decision["id"]
    assert event.payload["status_before"] == "awaiting-review"
    assert event.payload["status_after"] == "forwarded"
    assert event.payload["rationale"] == "same ear shape and scar"


def _two_reviewer_workflow(ctx: WorkflowContext, policy_dir: Path) -> ReviewWorkflow:
    return ReviewWorkflow(
        ctx=ctx, policies=policy_set(policy_dir, "two-reviewers"), backend=make_backend()
    )


def test_two_reviewers_must_agree_before_a_lead_is_forwarded(
    ctx: WorkflowContext, policy_dir: Path, store: Store
) -> None:
    workflow = _two_reviewer_workflow(ctx, policy_dir)
    lead_id = first_lead(workflow)
    view = workflow.decide(ALICE, lead_id, POSSIBLE, "eyebrows and hairline match")
    assert view.status is LeadStatus.AWAITING_AGREEMENT
    assert view.possible_lead_votes == 1 and view.reviewers_required == 2
    with pytest.raises(LeadNotOpen, match="already decided"):
        workflow.decide(ALICE, lead_id, POSSIBLE, "I am sure")
    assert count(store, DecisionRow) == 1
    view = workflow.decide(BOB, lead_id, POSSIBLE, "agree: the scar on the chin")
    assert view.status is LeadStatus.FORWARDED and not view.disagreement
    assert [d.reviewer for d in view.decisions] == ["alice", "bob"]
    statuses = [e.payload["status_after"] for e in events(store, "lead.decided")]
    assert statuses == ["awaiting-agreement", "forwarded"]
    assert rows(store, LeadRow, id=lead_id)[0]["status"] == "forwarded"


def test_a_disagreement_is_recorded_and_visible(
    ctx: WorkflowContext, policy_dir: Path, store: Store
) -> None:
    workflow = _two_reviewer_workflow(ctx, policy_dir)
    lead_id = first_lead(workflow)
    workflow.decide(ALICE, lead_id, POSSIBLE, "similar nose")
    view = workflow.decide(BOB, lead_id, NOT_A_MATCH, "different ear lobes")
    assert view.status is LeadStatus.DISPUTED and view.disagreement
    assert rows(store, LeadRow, id=lead_id)[0]["status"] == "disputed"
    last = events(store, "lead.decided")[-1]
    assert last.payload["disagreement"] is True
    assert last.payload["earlier_decisions"] == [
        {"reviewer": "alice", "role": "reviewer", "decision": "possible-lead"}
    ]
    summary = workflow.queue(ALICE)[0]
    assert summary.disputed_count == 1 and summary.forwarded_count == 0


def test_a_stale_decision_is_reported_not_overwritten(
    workflow: ReviewWorkflow, store: Store
) -> None:
    lead_id = first_lead(workflow)
    seen = workflow.lead(lead_id, ALICE).lead.version  # Alice opens the lead ...
    workflow.decide(BOB, lead_id, NOT_A_MATCH, "different jaw")  # ... Bob decides first
    with pytest.raises(DecisionConflict, match="bob") as caught:
        workflow.decide(ALICE, lead_id, POSSIBLE, "looks like him", expected_version=seen)
    assert caught.value.lead_id == lead_id and caught.value.decided_by == ("bob",)
    (decision,) = rows(store, DecisionRow)
    assert decision["rationale"] == "different jaw"
    (lead,) = rows(store, LeadRow, id=lead_id)
    assert (lead["status"], lead["version"]) == ("rejected", 2)
    assert [e.actor for e in events(store, "lead.decided")] == ["bob"]


def test_concurrent_decisions_one_wins_the_other_is_told(
    workflow: ReviewWorkflow, store: Store
) -> None:
    lead_id = first_lead(workflow)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def decide(actor_name: str) -> None:
        actor = ALICE if actor_name == "alice" else BOB
        barrier.wait()
        try:
            workflow.decide(
                actor, lead_id, POSSIBLE, f"{actor_name}: same face", expected_version=1
            )
            outcomes[actor_name] = "recorded"
        except DecisionConflict as exc:
            outcomes[actor_name] = f"conflict: {exc}"

    threads = [threading.Thread(target=decide, args=(n,)) for n in ("alice", "bob")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(v.split(":")[0] for v in outcomes.values()) == ["conflict", "recorded"]
    winner = next(n for n, v in outcomes.items() if v == "recorded")
    loser = next(n for n, v in outcomes.items() if v != "recorded")
    assert winner in outcomes[loser]
    (decision,) = rows(store, DecisionRow)
    assert decision["rationale"].startswith(winner)
    assert rows(store, LeadRow, id=lead_id)[0]["version"] == 2
    assert [e.actor for e in events(store, "lead.decided")] == [winner]


def test_a_lead_filtered_by_the_policy_in_force_cannot_be_decided(
    ctx: WorkflowContext, policy_dir: Path, store: Store
) -> None:
    workflow = ReviewWorkflow(
        ctx=ctx, policies=policy_set(policy_dir, "amazon-documented-99"), backend=make_backend()
    )
    detail = workflow.open_case(INVESTIGATOR, opening())
    filtered = rows(store, LeadRow, status="filtered")
    assert len(filtered) == detail.summary.lead_count - 1  # only 99.6 passes 99
    with pytest.raises(LeadNotOpen, match="filtered"):
        workflow.decide(ALICE, filtered[0]["id"], POSSIBLE, "I still think so")
    assert count(store, DecisionRow) == 0


@pytest.mark.parametrize("rationale", ["2", "ok", "  x  "])
def test_a_one_word_rationale_is_refused_naming_the_policy(
    workflow: ReviewWorkflow, store: Store, rationale: str
) -> None:
    lead_id = first_lead(workflow)
    with pytest.raises(EmptyRationale, match=r"wcso-practice.*at least 2 words"):
        workflow.decide(ALICE, lead_id, POSSIBLE, rationale)
    assert count(store, DecisionRow) == 0
    assert events(store, "lead.decided") == []


def test_the_policy_in_force_sets_the_minimum_rationale(
    ctx: WorkflowContext, policy_dir: Path, store: Store
) -> None:
    practice = (policy_dir / "wcso-practice.yaml").read_text()
    (policy_dir / "strict-rationale.yaml").write_text(
        practice.replace("name: wcso-practice", "name: strict-rationale")
        + "min_rationale_words: 5\n"
    )
    strict = ReviewWorkflow(
        ctx=ctx, policies=policy_set(policy_dir, "strict-rationale"), backend=make_backend()
    )
    lead_id = first_lead(strict)
    with pytest.raises(EmptyRationale, match=r"strict-rationale.*at least 5 words.*has 4"):
        strict.decide(ALICE, lead_id, POSSIBLE, "same scar, same ears")
    view = strict.decide(ALICE, lead_id, POSSIBLE, "same scar and same ears")
    assert view.status is LeadStatus.FORWARDED
    assert strict.case(view.case_id or 0, ALICE).summary.min_rationale_words == 5


def test_a_decision_returns_the_lead_from_its_own_transaction_without_reading_it_back(
    ctx: WorkflowContext, policy_dir: Path, store: Store
) -> None:
    """Issue 17: the service once re-read the lead after committing (22 statements, half
    the time). Every statement now runs before the commit, and the view it returns is
    exactly what a fresh read of the lead shows. On SQLite the statements are the ones
    SQLite itself reports running (its trace callback sees the driver's plain SQL too)."""
    workflow = _two_reviewer_workflow(ctx, policy_dir)
    lead_id = first_lead(workflow)
    workflow.decide(BOB, first_lead(workflow), POSSIBLE, "registers bob before counting")
    statements: list[str] = []

    def on_connect(dbapi_connection: Any, *_: object) -> None:
        if store.dialect == "sqlite":
            dbapi_connection.set_trace_callback(statements.append)

    # Every connection from here on is a new one, traced from its start.
    store.dispose()
    sa.event.listen(store.engine, "connect", on_connect)
    try:
        first = workflow.decide(ALICE, lead_id, POSSIBLE, "eyebrows and hairline match")
        second = workflow.decide(BOB, lead_id, NOT_A_MATCH, "the chin is a different shape")
    finally:
        sa.event.remove(store.engine, "connect", on_connect)
    if store.dialect == "sqlite":
        committed_at = [i for i, sql in enumerate(statements) if sql.strip() == "COMMIT"]
        # ALICE's first action registers her (two statements and an event more than BOB's).
        assert len(committed_at) == 2, statements
        after_last_commit = statements[committed_at[-1] + 1 :]
        assert after_last_commit == [], after_last_commit
        # BEGIN, the lead (with its verdicts and decisions), UPDATE, INSERT, the event,
        # its tree row: the log's head is not read, since the event this process wrote
        # last is still the head (the database refuses a wrong guess: migration 0009).
        # (SQLite traces a statement again when it re-prepares it after a schema change.)
        bobs = statements[committed_at[0] + 1 : committed_at[1]]
        distinct = [sql for i, sql in enumerate(bobs) if i == 0 or sql != bobs[i - 1]]
        assert len(distinct) <= 6, [sql[:60] for sql in distinct]
        assert _HEAD_SQL not in distinct
    assert first.version == 2 and first.status is LeadStatus.AWAITING_AGREEMENT
    assert second.status is LeadStatus.DISPUTED and second.disagreement
    assert [d.reviewer for d in second.decisions] == ["alice", "bob"]
    assert second == workflow.lead(lead_id, BOB).lead


def test_the_returned_view_keeps_the_verdicts_and_decisions_in_id_order(
    ctx: WorkflowContext, policy_dir: Path
) -> None:
    """The decision's read fetches its joined rows unordered and orders them by id in
    Python. Policies evaluated in reverse name order give verdict ids unlike the order
    of the (lead, policy name) index the join walks, so a missing sort would show."""
    loaded = [load_policy_file(p) for p in sorted(policy_dir.glob("*.yaml"), reverse=True)]
    workflow = ReviewWorkflow(
        ctx=ctx, policies=PolicySet.of(loaded, "two-reviewers"), backend=make_backend()
    )
    lead_id = first_lead(workflow)
    workflow.decide(ALICE, lead_id, POSSIBLE, "eyebrows and hairline match")
    view = workflow.decide(BOB, lead_id, POSSIBLE, "agree: the scar on the chin")
    names = [v.policy_name for v in view.verdicts]
    assert names == sorted(names, reverse=True)  # id order, not the index's name order
    assert [d.reviewer for d in view.decisions] == ["alice", "bob"]
    assert view == workflow.lead(lead_id, BOB).lead
