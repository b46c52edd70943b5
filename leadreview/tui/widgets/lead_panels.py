"""The probe and the highlighted lead, side by side: picture, then facts in words."""

from datetime import datetime

from rich.markup import escape

from leadreview.domain.decision import DecisionKind
from leadreview.tui.symbols import STATUS_TEXT, VERDICT_TEXT, decision_text
from leadreview.workflow.views import CaseDetail, LeadDetail, LeadView


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "unknown"


def probe_text(case: CaseDetail) -> str:
    probe = case.probe
    return "\n".join(
        (
            f"[b]Probe[/b] {escape(probe.probe_ref or f'#{probe.probe_id}')}",
            f"capture quality: {probe.quality.value}",
            f"source: {escape(probe.source)}",
            f"captured: {_when(probe.captured_at)}",
        )
    )


def lead_text(lead: LeadView, detail: LeadDetail | None, viewer: str) -> str:
    """What a reviewer needs to judge one lead; the record once it has loaded."""
    lines = [
        f"[b]Lead rank {lead.rank}[/b]  Similarity {lead.similarity:.2f}",
        f"status: {STATUS_TEXT[lead.status]}",
        f"your decision: {decision_text(_own_kind(lead, viewer))}",
    ]
    record = detail.record if detail is not None and detail.lead.lead_id == lead.lead_id else None
    if detail is None or detail.lead.lead_id != lead.lead_id:
        lines.append("record: loading…")
    elif record is None:
        lines.append("record: none in the gallery")
    else:
        lines += [
            f"name: {escape(record.name)} (synthetic)",
            f"{record.sex.value}, {record.age_band.value}, group {escape(record.group)}",
            f"booked {record.booking_date:%Y-%m-%d}: {escape(record.booking_charge)}",
        ]
    if detail is not None and detail.lead.lead_id == lead.lead_id:
        for request in detail.enforcement:
            answer = "granted" if request.granted else "REFUSED"
            lines.append(
                f"{request.kind.value} request by {escape(request.requested_by)}: {answer} — "
                f"{escape(request.reason)}"
            )
    others = [d for d in lead.decisions if d.reviewer != viewer]
    for decision in others:
        lines.append(
            f"{escape(decision.reviewer)} ({decision.role.value}): {decision_text(decision.kind)}"
        )
    return "\n".join(lines)


def verdict_lines(lead: LeadView) -> str:
    """Each policy's verdict with the rule that decided it and why."""
    return "\n".join(
        f"{'*' if v.in_force else ' '}{v.policy_name}: "
        f"{VERDICT_TEXT[v.verdict]} — {escape(v.reason)}"
        for v in lead.verdicts
    )


def _own_kind(lead: LeadView, viewer: str) -> DecisionKind | None:
    own = lead.decided_by(viewer)
    return own.kind if own is not None else None
