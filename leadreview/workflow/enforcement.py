"""The enforcement gate: a request on a lead is granted only if the lead was forwarded by
review and the request cites evidence independent of the lead. Granted and refused
requests are both kept, each with its audit event."""

from collections.abc import Sequence

from leadreview.domain.decision import LeadStatus
from leadreview.domain.enforcement import EnforcementKind, EvidenceItem, why_not_corroborated
from leadreview.domain.roles import Action, Actor
from leadreview.store.tables.workflow import EnforcementRequestRow
from leadreview.workflow.audit_port import EventType
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.errors import EnforcementRefused
from leadreview.workflow.permissions import require
from leadreview.workflow.queries import get_lead
from leadreview.workflow.reviewers import reviewer_id


def request_enforcement(
    ctx: WorkflowContext,
    actor: Actor,
    lead_id: int,
    kind: EnforcementKind,
    evidence: Sequence[EvidenceItem],
) -> int:
    """Returns the id of the granted request; raises EnforcementRefused (after recording
    the refusal) if the gate refuses."""
    require(ctx, actor, Action.REQUEST_ENFORCEMENT, {"lead_id": lead_id, "kind": kind.value})
    now = ctx.clock()
    with ctx.store.transaction() as session:
        lead = get_lead(session, lead_id)
        status = LeadStatus(lead.status)
        if status is not LeadStatus.FORWARDED:
            reason: str | None = (
                f"lead {lead_id} is {status.value}, not forwarded by review; "
                "only a forwarded lead may be acted on"
            )
        else:
            reason = why_not_corroborated(evidence)
        granted = reason is None
        independent = sorted({e.kind.value for e in evidence if e.independent})
        explanation = reason or f"corroborated by independent evidence ({', '.join(independent)})"
        items = [e.model_dump(mode="json") for e in evidence]
        row = EnforcementRequestRow(
            lead_id=lead_id,
            requested_by_id=reviewer_id(session, ctx.audit, actor, now),
            kind=kind.value,
            evidence=items,
            granted=granted,
            reason=explanation,
            requested_at=now,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        ctx.audit.append(
            session,
            actor=actor.name,
            role=actor.role.value,
            event_type=(
                EventType.ENFORCEMENT_GRANTED if granted else EventType.ENFORCEMENT_REFUSED
            ).value,
            payload={
                "request_id": row.id,
                "case_id": lead.case_id,
                "lead_id": lead_id,
                "kind": kind.value,
                "lead_status": status.value,
                "evidence": items,
                "independent_evidence": independent,
                "granted": granted,
                "reason": explanation,
            },
        )
        request_id = row.id
    if not granted:
        raise EnforcementRefused(
            f"{kind.value} request {request_id} on lead {lead_id} refused: {reason}",
            request_id=request_id,
        )
    return request_id
