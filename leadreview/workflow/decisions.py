"""A reviewer's decision on a lead, written with its audit event in one transaction.

Concurrency is optimistic: the lead's `version` the reviewer saw must still be the
lead's version when the decision is written (`UPDATE … WHERE version = :seen`). If
another session decided first, the decision is reported as a conflict naming who decided,
and nothing is overwritten.
"""

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from leadreview.domain.decision import (
    DecisionKind,
    LeadStatus,
    lead_status,
    normalised_rationale,
    rationale_shortfall,
)
from leadreview.domain.roles import Action, Actor
from leadreview.store.tables.workflow import (
    CaseRow,
    DecisionRow,
    LeadRow,
    PolicyVerdictRow,
    SearchRow,
)
from leadreview.workflow.audit_port import EventType
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.errors import DecisionConflict, EmptyRationale, LeadNotOpen, NotFound
from leadreview.workflow.permissions import require
from leadreview.workflow.policy_documents import min_rationale_words
from leadreview.workflow.queries import decision_views, verdict_view
from leadreview.workflow.reviewers import reviewer_id
from leadreview.workflow.sql import as_utc, table_of
from leadreview.workflow.views import DecisionView, LeadView

MAX_RATIONALE = 4000


def decide_lead(
    ctx: WorkflowContext,
    actor: Actor,
    lead_id: int,
    kind: DecisionKind,
    rationale: str,
    *,
    expected_version: int | None = None,
) -> LeadView:
    """Record `actor`'s decision on a shown lead; returns the lead as decided.

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
        lead, case, in_force = _lead_for_decision(session, lead_id)
        seen = lead.version if expected_version is None else expected_version
        if lead.version != seen:
            raise _conflict(session, lead_id, seen)
        status = LeadStatus(lead.status)
        if not status.open_for_decision:
            raise _not_open(session, lead_id, status)
        assert case is not None  # only case leads are ever open for decision
        earlier = decision_views(session, [lead_id])
        if any(d.reviewer == actor.name for d in earlier):
            raise LeadNotOpen(
                f"lead {lead_id}: {actor.name!r} has already decided it; "
                f"a second reviewer must be someone else"
            )
        shortfall = rationale_shortfall(
            text, min_rationale_words(session, case.policy_sha256), case.policy_name
        )
        if shortfall is not None:
            raise EmptyRationale(f"decision on lead {lead_id}: {shortfall}")
        kinds = [d.kind for d in earlier] + [kind]
        new_status = lead_status(kinds, case.reviewers_required)
        result = session.execute(
            update(LeadRow)
            .where(col(LeadRow.id) == lead_id, col(LeadRow.version) == seen)
            .values(status=new_status.value, version=seen + 1)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise _conflict(session, lead_id, seen)
        decision_id = session.execute(
            insert(table_of(DecisionRow))
            .values(
                lead_id=lead_id,
                reviewer_id=reviewer_id(session, ctx.audit, actor, now),
                kind=kind.value,
                rationale=text,
                decided_at=now,
                lead_version=seen,
            )
            .returning(col(DecisionRow.id))
        ).scalar_one()
        ctx.audit.append(
            session,
            actor=actor.name,
            role=actor.role.value,
            event_type=EventType.LEAD_DECIDED.value,
            payload={
                "decision_id": decision_id,
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
                    {"reviewer": d.reviewer, "role": d.role.value, "decision": d.kind.value}
                    for d in earlier
                ],
            },
        )
        # The view is built from what this transaction read and wrote: reading the lead
        # back after the commit cost more than the decision itself (issue 17).
        decided = DecisionView(
            decision_id=decision_id,
            lead_id=lead_id,
            reviewer=actor.name,
            role=actor.role,
            kind=kind,
            rationale=text,
            decided_at=as_utc(now),
            lead_version=seen,
        )
        verdicts = session.exec(
            select(PolicyVerdictRow)
            .where(col(PolicyVerdictRow.lead_id) == lead_id)
            .order_by(col(PolicyVerdictRow.id))
        ).all()
        decisions = (*earlier, decided)
        return LeadView(
            lead_id=lead_id,
            case_id=lead.case_id,
            search_id=lead.search_id,
            rank=lead.rank,
            similarity=lead.similarity,
            face_id=lead.face_id,
            external_image_id=lead.external_image_id,
            shown=lead.shown,
            status=new_status,
            version=seen + 1,
            reviewers_required=case.reviewers_required,
            verdicts=tuple(verdict_view(v, in_force=v.policy_name == in_force) for v in verdicts),
            decisions=decisions,
            possible_lead_votes=kinds.count(DecisionKind.POSSIBLE_LEAD),
            disagreement=len(set(kinds)) > 1,
        )


def _lead_for_decision(session: Session, lead_id: int) -> tuple[LeadRow, CaseRow | None, str]:
    """The lead, its case and the name of the policy in force for its search, in one
    statement."""
    found = session.exec(
        select(LeadRow, CaseRow, SearchRow.policy_name)
        .join(SearchRow, col(SearchRow.id) == col(LeadRow.search_id))
        .outerjoin(CaseRow, col(CaseRow.id) == col(LeadRow.case_id))
        .where(col(LeadRow.id) == lead_id)
    ).first()
    if found is None:
        raise NotFound(f"lead {lead_id}: no such lead")
    lead, case, in_force = found
    return lead, case, in_force


def _who(session: Session, lead_id: int) -> str:
    earlier = decision_views(session, [lead_id])
    return ", ".join(f"{d.reviewer} ({d.role.value}): {d.kind.value}" for d in earlier) or "nobody"


def _conflict(session: Session, lead_id: int, seen: int) -> DecisionConflict:
    # Under PostgreSQL's READ COMMITTED this statement sees the other session's commit.
    earlier = decision_views(session, [lead_id])
    return DecisionConflict(
        f"lead {lead_id} changed since version {seen}: decided meanwhile by "
        f"{_who(session, lead_id)}; your decision was not recorded, reload the lead",
        lead_id=lead_id,
        decided_by=tuple(d.reviewer for d in earlier),
    )


def _not_open(session: Session, lead_id: int, status: LeadStatus) -> LeadNotOpen:
    if status is LeadStatus.FILTERED:
        return LeadNotOpen(f"lead {lead_id}: filtered by the policy in force; nobody reviews it")
    if status is LeadStatus.BATCH:
        return LeadNotOpen(f"lead {lead_id}: recorded by a batch run, not open for review")
    return LeadNotOpen(
        f"lead {lead_id} is already {status.value} (decided by {_who(session, lead_id)})"
    )
