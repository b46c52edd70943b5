"""What an exercise reads of the review workflow's records: the exercise package owns
its own tables and goes through these functions for cases, leads, decisions, reviewers
and stored policies, so the workflow's tables have one owner (the layers contract
forbids `exercise` to import them)."""

from datetime import datetime
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, col, select

from leadreview.domain.decision import LeadStatus
from leadreview.domain.policy import LoadedPolicy, Policy
from leadreview.io.yamlfile import parse_model
from leadreview.store.tables.workflow import (
    CaseRow,
    DecisionRow,
    LeadRow,
    PolicyDocumentRow,
    ReviewerRow,
)
from leadreview.workflow.errors import NotFound
from leadreview.workflow.policy_set import PolicySet

# A lead still waiting for someone's decision.
OPEN_STATUSES = (LeadStatus.AWAITING_REVIEW.value, LeadStatus.AWAITING_AGREEMENT.value)


def case_offense(session: Session, case_id: int) -> str | None:
    case = session.get(CaseRow, case_id)
    return case.offense if case else None


def reviewers_required(session: Session, case_id: int) -> int:
    """How many independent reviews the case asks for (1 when the case is unknown)."""
    case = session.get(CaseRow, case_id)
    return case.reviewers_required if case else 1


def lead_case_id(session: Session, lead_id: int) -> int:
    """The case a lead belongs to; `NotFound` for no such lead."""
    lead = session.get(LeadRow, lead_id)
    if lead is None:
        raise NotFound(f"lead {lead_id}: no such lead")
    return lead.case_id or 0


def reviewer_name(session: Session, reviewer_id: int | None) -> str | None:
    reviewer = session.get(ReviewerRow, reviewer_id) if reviewer_id is not None else None
    return reviewer.name if reviewer else None


def pending_leads(session: Session, case_id: int, name: str) -> list[int]:
    """Shown leads of the case still open for a decision that `name` has not decided."""
    open_ids = session.exec(
        select(LeadRow.id)
        .where(col(LeadRow.case_id) == case_id, col(LeadRow.status).in_(OPEN_STATUSES))
        .order_by(col(LeadRow.rank))
    ).all()
    decided = set(
        session.exec(
            select(DecisionRow.lead_id)
            .join(ReviewerRow, col(ReviewerRow.id) == col(DecisionRow.reviewer_id))
            .where(col(ReviewerRow.name) == name, col(DecisionRow.lead_id).in_(list(open_ids)))
        ).all()
    )
    return [i for i in open_ids if i is not None and i not in decided]


def ranked_leads(session: Session, lead_ids: list[int]) -> list[tuple[int, int, float]]:
    """(lead id, rank, Similarity) of these leads, by rank."""
    rows = session.exec(
        select(LeadRow).where(col(LeadRow.id).in_(lead_ids)).order_by(col(LeadRow.rank))
    ).all()
    return [(r.id, r.rank, r.similarity) for r in rows if r.id is not None]


def cases_with_open_leads(session: Session, case_ids: list[int]) -> set[int]:
    return {
        case_id
        for case_id in session.exec(
            select(LeadRow.case_id).where(
                col(LeadRow.case_id).in_(case_ids), col(LeadRow.status).in_(OPEN_STATUSES)
            )
        ).all()
        if case_id is not None
    }


def decisions_made(
    session: Session, reviewer_id: int | None, case_ids: list[int]
) -> tuple[int, datetime | None]:
    """How many decisions the reviewer made on these cases, and when the last one was."""
    made, last = session.exec(
        select(func.count(col(DecisionRow.id)), func.max(col(DecisionRow.decided_at)))
        .join(LeadRow, col(LeadRow.id) == col(DecisionRow.lead_id))
        .where(col(DecisionRow.reviewer_id) == reviewer_id, col(LeadRow.case_id).in_(case_ids))
    ).one()
    return int(made or 0), last


def decision_times(
    session: Session, reviewer_id: int | None, case_ids: list[int]
) -> list[tuple[int, datetime]]:
    """The reviewer's decisions on these cases, oldest first: (case id, decided at)."""
    rows = session.exec(
        select(LeadRow.case_id, DecisionRow.decided_at)
        .join(LeadRow, col(LeadRow.id) == col(DecisionRow.lead_id))
        .where(col(DecisionRow.reviewer_id) == reviewer_id, col(LeadRow.case_id).in_(case_ids))
        .order_by(col(DecisionRow.decided_at), col(DecisionRow.id))
    ).all()
    return [(case_id or 0, at) for case_id, at in rows]


def policy_set_of(session: Session, case_id: int) -> PolicySet:
    """The case's policy in force, from the exact bytes stored when it opened (the
    workflow needs a policy set; deciding a lead evaluates no policy)."""
    case = session.get(CaseRow, case_id)
    if case is None:
        raise NotFound(f"case {case_id}: no such case")
    document = session.get(PolicyDocumentRow, case.policy_sha256)
    assert document is not None  # a case's policy document is stored with it
    policy = parse_model(document.content, Path(document.path), Policy, "policy")
    loaded = LoadedPolicy(policy=policy, path=document.path, sha256=document.sha256)
    return PolicySet.of([loaded], loaded.name)
