"""The audit report: assembled for a viewer allowed to read the log, and put on record.

`build_audit_report` checks the viewer's role (a refusal is itself an event), reads the
tables in one read-only transaction, then verifies the chain. Verifying after reading
means every decision in the report was sealed at or below the verified head.

`record_report` appends a `report.generated` event naming the viewer, the head the report
covers and the SHA-256 of what was produced: an auditor's read of the log is on record
like any other act, and a report file can later be tied to the log it came from. The
CLI renders HTML; the TUI's debrief can show the same `AuditReport` and record it with
`fmt="tui"`.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

from leadreview.audit.models import AuditEvent
from leadreview.domain.roles import Action, Actor
from leadreview.workflow import audit_report_queries as q
from leadreview.workflow.audit_port import EventType
from leadreview.workflow.audit_report_views import AuditReport, ChainStatus
from leadreview.workflow.permissions import require
from leadreview.workflow.service import ReviewWorkflow

if TYPE_CHECKING:
    from leadreview.audit.verdict import VerifyReport

Verifier = Callable[[], "VerifyReport"]


def build_audit_report(
    workflow: ReviewWorkflow, viewer: Actor, verify: Verifier | None = None
) -> AuditReport:
    """The report for `viewer`; `verify` walks the chain (default: the store, no checkpoints)."""
    ctx = workflow.ctx
    require(ctx, viewer, Action.VIEW_AUDIT, {"report": "audit"})
    now = ctx.clock()
    with ctx.store.reading() as session:
        records = q.decision_records(session)
        names = q.case_policy_names(session)
        forwarded = q.forwarded_filtered_by_policy(session, names)
    if verify is None:
        from leadreview.audit.service import verify_store

        report = verify_store(ctx.store)
    else:
        report = verify()
    chain = ChainStatus(
        ok=report.ok,
        events=report.events,
        head_seq=report.head_seq,
        head_digest=report.head_digest,
        first_bad_seq=report.first_bad_seq,
        lines=tuple(report.lines()),
    )
    return AuditReport(
        generated_at=now,
        generated_by=viewer.name,
        role=viewer.role,
        chain=chain,
        decisions=tuple(records),
        by_decision=q.by_decision(records),
        policies=tuple(q.policy_tallies(records, names, forwarded)),
        forwarded_filtered=forwarded,
    )


def record_report(
    workflow: ReviewWorkflow,
    viewer: Actor,
    report: AuditReport,
    *,
    fmt: str,
    output_sha256: str | None = None,
    destination: str | None = None,
) -> AuditEvent:
    """Put the report on record: who produced it, what it covers, what it said."""
    ctx = workflow.ctx
    require(ctx, viewer, Action.VIEW_AUDIT, {"report": "audit"})
    payload = {
        "report": "audit",
        "format": fmt,
        "destination": destination,
        "output_sha256": output_sha256,
        "covers": {
            "head_seq": report.chain.head_seq,
            "head_digest": report.chain.head_digest,
            "events": report.chain.events,
        },
        "verified": report.chain.ok,
        "first_bad_seq": report.chain.first_bad_seq,
        "decisions": len(report.decisions),
        "forwarded_filtered": {p.policy_name: p.forwarded_filtered for p in report.policies},
    }
    with ctx.store.transaction() as session:
        event: AuditEvent = ctx.audit.append(
            session,
            actor=viewer.name,
            role=viewer.role.value,
            event_type=EventType.REPORT_GENERATED.value,
            payload=payload,
        )
    return event
