"""The audit report as a self-contained HTML page (the audit flavour of `report_template`).

Built from the workflow's `AuditReport` only: no database, no network. Every string that
came from the log (offenses, names, rationales, reasons) is escaped here, since a
rationale is free text a reviewer typed.
"""

from collections.abc import Sequence
from html import escape

from leadreview.analysis.report_template import Section, page
from leadreview.domain.decision import DecisionKind
from leadreview.domain.policy import Verdict
from leadreview.workflow.audit_report_views import AuditReport, DecisionRecord, PolicyTally
from leadreview.workflow.views import FilteredLeadView, VerdictView

# A page with more rows than this is slow to open; the counts above it cover every row.
MAX_DECISION_ROWS = 2000
WRAP = ' class="note" style="white-space:pre-wrap;overflow-wrap:anywhere"'
WARN = ' style="color:#a3350a;font-weight:600"'
OK = ' style="color:#1d6b2f;font-weight:600"'


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """`rows` hold cells already escaped."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _e(value: object) -> str:
    return escape(str(value))


def _similarity(value: float) -> str:
    return f"{value:.2f}"


def _headline(report: AuditReport) -> str:
    chain = report.chain
    if chain.ok:
        status = (
            f"<p{OK}>Chain verified: {chain.events} events, head sequence {chain.head_seq}, "
            f"digest <code>{_e(chain.head_digest)}</code>.</p>"
        )
    else:
        status = (
            f"<p{WARN}>Chain verification FAILED: first bad sequence number "
            f"{_e(chain.first_bad_seq or 'none')}; see below.</p>"
        )
    reviewers = len({(d.reviewer, d.role) for d in report.decisions})
    lines = [
        status,
        f"<p>{len(report.decisions)} decisions by {reviewers} reviewer(s) on record.</p>",
    ]
    for tally in report.policies:
        if tally.forwarded_filtered:
            lines.append(
                f"<p><strong>{tally.forwarded_filtered}</strong> forwarded lead(s) would have "
                f"been filtered by <strong>{_e(tally.policy_name)}</strong>.</p>"
            )
    return "\n".join(lines)


def _chain_section(report: AuditReport) -> Section:
    chain = report.chain
    rows = [
        ["status", f"<span{OK}>verified</span>" if chain.ok else f"<span{WARN}>FAILED</span>"],
        ["events", _e(chain.events)],
        ["head sequence", _e(chain.head_seq)],
        ["head digest", f"<code>{_e(chain.head_digest)}</code>"],
        ["first bad sequence", _e(chain.first_bad_seq or "none")],
    ]
    lines = "\n".join(_e(line) for line in chain.lines)
    return Section(
        "Chain verification",
        _table(["", "value"], rows) + f"<pre{WRAP}>{lines}</pre>",
    )


def _decision_counts(report: AuditReport) -> Section:
    rows = [[_e(kind.value), _e(n)] for kind, n in report.by_decision.items()]
    rows.append(["<strong>all</strong>", f"<strong>{len(report.decisions)}</strong>"])
    return Section("Decisions by kind", _table(["decision", "count"], rows))


def _policy_row(t: PolicyTally) -> list[str]:
    digests = ", ".join(f"<code>{_e(d[:12])}</code>" for d in t.policy_sha256s)
    return [
        _e(t.policy_name),
        digests,
        _e(t.decisions),
        _e(t.on_shown),
        _e(t.on_filtered),
        *(_e(t.filtered_by_decision.get(kind, 0)) for kind in DecisionKind),
        f"<strong>{t.forwarded_filtered}</strong>",
    ]


def _policy_counts(report: AuditReport) -> Section:
    headers = [
        "policy",
        "file SHA-256",
        "decisions",
        "on leads it shows",
        "on leads it filters",
        *(f"filtered, {kind.value}" for kind in DecisionKind),
        "forwarded leads it filters",
    ]
    note = (
        '<p class="note">For each policy, the decisions on record split by what that policy '
        "would have done to the lead decided: a decision on a lead it filters is a decision "
        "that policy would have kept from being made.</p>"
    )
    return Section(
        "Counts by policy",
        note + _table(headers, [_policy_row(t) for t in report.policies]),
    )


def _filtered_rows(leads: Sequence[FilteredLeadView]) -> list[list[str]]:
    return [
        [
            _e(v.case_id),
            _e(v.offense),
            _e(v.lead_id),
            _e(v.rank),
            _similarity(v.similarity),
            _e(v.policy_in_force),
            _e(v.rule.value),
            _e(v.reason),
            _e(", ".join(v.forwarded_by)),
        ]
        for v in leads
    ]


def _forwarded_filtered(report: AuditReport) -> Section:
    headers = ["case", "offense", "lead", "rank", "similarity", "in force", "rule", "reason"]
    parts = []
    for name, leads in report.forwarded_filtered.items():
        parts.append(f"<h3>{_e(name)}: {len(leads)} forwarded lead(s) it would have filtered</h3>")
        if leads:
            parts.append(_table([*headers, "forwarded by"], _filtered_rows(leads)))
        else:
            parts.append('<p class="note">None.</p>')
    return Section("Forwarded leads each policy would have filtered", "\n".join(parts))


def _verdict_cell(verdict: VerdictView | None) -> str:
    if verdict is None:
        return "—"
    if verdict.verdict is Verdict.SHOWN:
        return "shown"
    return f'<span{WARN} title="{_e(verdict.reason)}">filtered</span> ({_e(verdict.rule.value)})'


def _decision_row(d: DecisionRecord, names: Sequence[str]) -> list[str]:
    return [
        _e(d.decision_id),
        _e(d.decided_at.strftime("%Y-%m-%d %H:%M:%S")),
        _e(d.case_id),
        _e(d.lead_id),
        _e(d.rank),
        _similarity(d.similarity),
        f"{_e(d.reviewer)} ({_e(d.role.value)})",
        _e(d.kind.value),
        _e(d.rationale),
        *(_verdict_cell(d.verdict_for(name)) for name in names),
    ]


def _decisions(report: AuditReport) -> Section:
    names = [t.policy_name for t in report.policies]
    shown = report.decisions[:MAX_DECISION_ROWS]
    headers = ["decision", "time (UTC)", "case", "lead", "rank", "similarity", "reviewer"]
    headers += ["decided", "rationale", *names]
    note = ""
    if len(shown) < len(report.decisions):
        note = (
            f'<p class="note">The first {len(shown)} of {len(report.decisions)} decisions; '
            "the counts above cover all of them.</p>"
        )
    return Section(
        "Every decision, and what each policy would have done to its lead",
        note + _table(headers, [_decision_row(d, names) for d in shown]),
    )


def audit_report_html(report: AuditReport) -> str:
    chain = report.chain
    sources = [
        f"Policy file {t.policy_name}, SHA-256 {digest}"
        for t in report.policies
        for digest in t.policy_sha256s
    ]
    sources.append("Chain verification: leadreview's audit verify (hash chain and checkpoints).")
    return page(
        title="Audit report — lead review",
        subtitle=(
            f"Generated {report.generated_at:%Y-%m-%d %H:%M:%S} UTC by {report.generated_by} "
            f"({report.role.value}); covers events 1–{chain.head_seq}"
        ),
        headline_html=_headline(report),
        sections=[
            _chain_section(report),
            _decision_counts(report),
            _policy_counts(report),
            _forwarded_filtered(report),
            _decisions(report),
        ],
        sources=sources,
        footer=(
            "Producing this report is itself recorded in the audit log as a report.generated "
            "event naming who produced it, the head it covers and this file's SHA-256."
        ),
    )
