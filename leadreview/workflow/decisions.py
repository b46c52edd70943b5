"""A reviewer's decision on a lead, written with its audit event in one transaction.

Concurrency is optimistic: the lead's `version` the reviewer saw must still be the
lead's version when the decision is written (`UPDATE … WHERE version = :seen`). If
another session decided first, the decision is reported as a conflict naming who decided,
and nothing is overwritten.
"""

from sqlalchemy import update
from sqlmodel import Session, col, select

from leadreview.domain.decision import (
    DecisionKind,
    LeadStatus,
    lead_status,
    normalised_rationale,
    rationale_shortfall,
)
from leadreview.domain.roles import Action, Actor
from leadreview.store.tables.workflow import CaseRow, DecisionRow, LeadRow, ReviewerRow
from leadreview.workflow.audit_port import EventType
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.errors import DecisionConflict, EmptyRationale, LeadNotOpen
from leadreview.workflow.permissions import require
from leadreview.workflow.policy_documents import min_rationale_words
from leadreview.workflow.queries import get_lead
from leadreview.workflow.reviewers import reviewer_id

MAX_RATIONALE = 4000


def decide_lead(
    ctx: WorkflowContext,
    actor: Actor,
    lead_id: int,
    kind: DecisionKind,
    rationale: str,
    *,
    expected_version: int | None = None,
) -> int:
    """Record `actor`'s decision on a shown lead; returns the decision id.

    Pass the `version` of the lead the reviewer was looking at as `expected_version`;
    without it, only a decision racing this very call is detected.
    """
    require(ctx, actor, Action.DECIDE_LEAD, {"lead_id": lead_id, "decision": kind.value})
    text = normalised_rationale(rationale)
    if not text:
        raise EmptyRationale(f"decision on lead {lead_id}: the rationale must not be empty")
    if len(text) > MAX_RATIONALE:
        raise EmptyRationale(
            f"decision on lead {lead_id}: the rationale is {len(text)} characters "
            f"(at most {MAX_RATIONALE})"
        )
    now = ctx.clock()
    with ctx.store.transaction() as session:
        lead = get_lead(session, lead_id)
        seen = lead.version if expected_version is None else expected_version
        if lead.version != seen:
            raise _conflict(session, lead_id, seen)
        status = LeadStatus(lead.status)
        if not status.open_for_decision:
            raise _not_open(session, lead_id, status)
        assert lead.case_id is not None  # only case leads are ever open for decision
        case = session.get(CaseRow, lead.case_id)
        assert case is not None
        earlier = _decisions(session, lead_id)
        if any(name == actor.name for name, _, _ in earlier):
            raise LeadNotOpen(
                f"lead {lead_id}: {actor.name!r} has already decided it; "
                f"a second reviewer must be someone else"
            )
        shortfall = rationale_shortfall(
            text, min_rationale_words(session, case.policy_sha256), case.policy_name
        )
        if shortfall is not None:
            raise EmptyRationale(f"decision on lead {lead_id}: {shortfall}")
        kinds = [k for _, _, k in earlier] + [kind]
        new_status = lead_status(kinds, case.reviewers_required)
        result = session.execute(
            update(LeadRow)
            .where(col(LeadRow.id) == lead_id, col(LeadRow.version) == seen)
            .values(status=new_status.value, version=seen + 1)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise _conflict(session, lead_id, seen)
        decision = DecisionRow(
            lead_id=lead_id,
            reviewer_id=reviewer_id(session, ctx.audit, actor, now),
            kind=kind.value,
            rationale=text,
            decided_at=now,
            lead_version=seen,
        )
        session.add(decision)
        session.flush()
        assert decision.id is not None
        ctx.audit.append(
            session,
            actor=actor.name,
            role=actor.role.value,
            event_type=EventType.LEAD_DECIDED.value,
            payload={
                "decision_id": decision.id,
                "case_id": lead.case_id,
                "lead_id": lead_id,
                "search_id": lead.search_id,
                "rank": lead.rank,
                "decision": kind.value,
                "rationale": text,
                "lead_version": seen,
                "status_before": status.value,
                "status_after": new_status.value,
                "reviewers_required": case.reviewers_required,
                "possible_lead_votes": kinds.count(DecisionKind.POSSIBLE_LEAD),
                "disagreement": len(set(kinds)) > 1,
                "earlier_decisions": [
                    {"reviewer": name, "role": role, "decision": k.value}
                    for name, role, k in earlier
                ],
            },
        )
        return decision.id


def _decisions(session: Session, lead_id: int) -> list[tuple[str, str, DecisionKind]]:
    rows = session.exec(
        select(ReviewerRow.name, ReviewerRow.role, DecisionRow.kind)
        .join(ReviewerRow, col(ReviewerRow.id) == col(DecisionRow.reviewer_id))
        .where(col(DecisionRow.lead_id) == lead_id)
        .order_by(col(DecisionRow.id))
    ).all()
    return [(name, role, DecisionKind(kind)) for name, role, kind in rows]


def _who(session: Session, lead_id: int) -> str:
    earlier = _decisions(session, lead_id)
    return ", ".join(f"{name} ({role}): {k.value}" for name, role, k in earlier) or "nobody"


def _conflict(session: Session, lead_id: int, seen: int) -> DecisionConflict:
    # Under PostgreSQL's READ COMMITTED this statement sees the other session's commit.
    earlier = _decisions(session, lead_id)
    return DecisionConflict(
        f"lead {lead_id} changed since version {seen}: decided meanwhile by "
        f"{_who(session, lead_id)}; your decision was not recorded, reload the lead",
        lead_id=lead_id,
        decided_by=tuple(name for name, _, _ in earlier),
    )


def _not_open(session: Session, lead_id: int, status: LeadStatus) -> LeadNotOpen:
    if status is LeadStatus.FILTERED:
        return LeadNotOpen(f"lead {lead_id}: filtered by the policy in force; nobody reviews it")
    if status is LeadStatus.BATCH:
        return LeadNotOpen(f"lead {lead_id}: recorded by a batch run, not open for review")
    return LeadNotOpen(
        f"lead {lead_id} is already {status.value} (decided by {_who(session, lead_id)})"
    )
