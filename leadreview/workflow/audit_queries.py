"""What auditors ask of the workflow: a case's events, and forwarded leads that a named
policy would have filtered (`audit show --filtered-by POLICY`)."""

from collections import defaultdict

import sqlalchemy as sa
from sqlmodel import Session, col, select

from leadreview.audit.models import ROW_COLUMNS, AuditEvent
from leadreview.domain.decision import DecisionKind, LeadStatus
from leadreview.domain.policy import DecidingRule, Verdict
from leadreview.store.tables.audit import AuditEventRow
from leadreview.store.tables.workflow import (
    CaseRow,
    DecisionRow,
    LeadRow,
    PolicyVerdictRow,
    ReviewerRow,
)
from leadreview.workflow.queries import get_case
from leadreview.workflow.sql import table_of
from leadreview.workflow.views import FilteredLeadView


def _mentions_case(event: AuditEvent, case_id: int) -> bool:
    subject = event.payload.get("subject")
    return event.payload.get("case_id") == case_id or (
        isinstance(subject, dict) and subject.get("case_id") == case_id
    )


def case_events(session: Session, case_id: int) -> list[AuditEvent]:
    """Every event whose payload names the case, oldest first.

    Payloads are canonical JSON (sorted keys, no spaces), so a LIKE on `"case_id":N`
    followed by `,` or `}` narrows the scan on both backends; the parsed payload decides.
    """
    get_case(session, case_id)
    table = table_of(AuditEventRow)
    payload = table.c.payload
    needle = f'"case_id":{case_id}'
    rows = session.execute(
        sa.select(*(table.c[name] for name in ROW_COLUMNS))
        .where(sa.or_(payload.like(f"%{needle},%"), payload.like(f"%{needle}}}%")))
        .order_by(table.c.seq)
    ).all()
    events = [AuditEvent.from_raw(tuple(row)) for row in rows]
    return [e for e in events if _mentions_case(e, case_id)]


def forwarded_leads_filtered_by(session: Session, policy_name: str) -> list[FilteredLeadView]:
    """Leads that review forwarded to an investigator although `policy_name` would have
    filtered them: what that policy would have kept from investigators."""
    rows = session.exec(
        select(LeadRow, PolicyVerdictRow, CaseRow)
        .join(PolicyVerdictRow, col(PolicyVerdictRow.lead_id) == col(LeadRow.id))
        .join(CaseRow, col(CaseRow.id) == col(LeadRow.case_id))
        .where(
            col(LeadRow.status) == LeadStatus.FORWARDED.value,
            col(PolicyVerdictRow.policy_name) == policy_name,
            col(PolicyVerdictRow.verdict) == Verdict.FILTERED.value,
        )
        .order_by(col(LeadRow.case_id), col(LeadRow.rank))
    ).all()
    lead_ids = [lead.id for lead, _, _ in rows]
    forwarders: dict[int, list[str]] = defaultdict(list)
    for lead_id, name in session.exec(
        select(DecisionRow.lead_id, ReviewerRow.name)
        .join(ReviewerRow, col(ReviewerRow.id) == col(DecisionRow.reviewer_id))
        .where(
            col(DecisionRow.lead_id).in_(lead_ids),
            col(DecisionRow.kind) == DecisionKind.POSSIBLE_LEAD.value,
        )
        .order_by(col(DecisionRow.id))
    ).all():
        forwarders[lead_id].append(name)
    views = []
    for lead, verdict, case in rows:
        assert lead.id is not None and case.id is not None
        views.append(
            FilteredLeadView(
                lead_id=lead.id,
                case_id=case.id,
                offense=case.offense,
                rank=lead.rank,
                similarity=lead.similarity,
                status=LeadStatus(lead.status),
                policy_in_force=case.policy_name,
                policy_name=verdict.policy_name,
                policy_sha256=verdict.policy_sha256,
                rule=DecidingRule(verdict.rule),
                reason=verdict.reason,
                forwarded_by=tuple(forwarders[lead.id]),
            )
        )
    return views


def events_of_type(session: Session, event_type: str) -> list[AuditEvent]:
    """Every event of one type, oldest first (the after-action record reads its own)."""
    table = table_of(AuditEventRow)
    rows = session.execute(
        sa.select(*(table.c[name] for name in ROW_COLUMNS))
        .where(table.c.event_type == event_type)
        .order_by(table.c.seq)
    ).all()
    return [AuditEvent.from_raw(tuple(row)) for row in rows]


def exercise_events(session: Session, exercise_id: int, case_ids: set[int]) -> list[AuditEvent]:
    """The exercise's journal: every event naming the exercise or one of its cases."""
    table = table_of(AuditEventRow)
    rows = session.execute(
        sa.select(*(table.c[name] for name in ROW_COLUMNS)).order_by(table.c.seq)
    ).all()
    out = []
    for row in rows:
        event = AuditEvent.from_raw(tuple(row))
        payload = event.payload
        subject = payload.get("subject")
        named = [payload, subject] if isinstance(subject, dict) else [payload]
        if any(p.get("exercise_id") == exercise_id or p.get("case_id") in case_ids for p in named):
            out.append(event)
    return out
