"""The After-Action Report / Improvement Plan as Markdown and as self-contained HTML.

HSEEP's structure: exercise overview; objectives and capabilities; analysis by objective
(each expected action, scored automatically or validated by the facilitator); strengths
and areas for improvement; the hot wash; and, as appendices, the improvement plan (owner
and date per corrective action) and the exercise journal (every event, who, when). The
journal here is a table for reading; `events.jsonl` beside it, with the checkpoints and
the public key, is what verifies offline. Everything from the log is escaped: a
participant's answer is text, never markup.
"""

from collections.abc import Sequence
from html import escape

from leadreview.analysis.report_template import Section, page
from leadreview.exercise.after_action import AfterActionReport

DASH = "—"


def _overview(report: AfterActionReport) -> list[tuple[str, str]]:
    d = report.debrief
    ex = d.exercise
    people = ", ".join(f"{p.name} ({p.role})" for p in d.participants) or DASH
    return [
        ("Exercise", f"#{ex.exercise_id} {report.scenario_title}"),
        ("Scenario", f"{ex.scenario_name} (seed {ex.seed})"),
        ("Started", f"{ex.started_at:%Y-%m-%d %H:%M} UTC by {ex.started_by}"),
        ("Status", ex.status),
        ("Type", "tabletop exercise, discussion-based (HSEEP)"),
        ("Policy in force", ex.policy_in_force),
        ("Participants", people),
        ("Cases", str(len(d.cases))),
        ("Ground truth digest", d.truth_sha256),
    ]


def _objective_rows(report: AfterActionReport) -> list[list[str]]:
    return [[o.id, o.text, o.capability, o.rating.value] for o in report.objectives]


def _expectation_rows(report: AfterActionReport) -> list[list[str]]:
    rows = []
    for r in report.expectations:
        judged = f"validated by {r.validated_by}: {r.note}" if r.validated_by else "automatic"
        rows.append([r.id, r.text, r.status.value, r.evidence, judged])
    return rows


def _improvement_rows(report: AfterActionReport) -> list[list[str]]:
    return [
        [i.objective or DASH, i.area, i.action, i.owner, i.due.isoformat(), i.by]
        for i in report.improvements
    ]


def _hotwash_rows(report: AfterActionReport) -> list[list[str]]:
    return [
        [f"Q{a.question_index}", a.question, a.answer, f"{a.by} ({a.role})"] for a in report.hotwash
    ]


def _journal_rows(report: AfterActionReport) -> list[list[str]]:
    return [
        [str(e.seq), f"{e.at:%Y-%m-%d %H:%M:%S}", e.actor, e.role, e.event_type]
        for e in report.journal
    ]


def _enforcement_rows(report: AfterActionReport) -> list[list[str]]:
    return [
        [
            e.case_key,
            e.kind,
            e.requested_by,
            "granted" if e.granted else "refused",
            ", ".join(e.independent_evidence) or "none",
            "yes" if e.on_true_mate else "no",
            e.reason,
        ]
        for e in report.debrief.enforcement
    ]


OBJECTIVE_HEADERS = ("objective", "text", "capability", "rating")
EXPECTATION_HEADERS = ("expectation", "expected action", "result", "evidence", "judged")
IMPROVEMENT_HEADERS = (
    "objective",
    "area for improvement",
    "corrective action",
    "owner",
    "due",
    "entered by",
)
HOTWASH_HEADERS = ("question", "text", "answer", "by")
JOURNAL_HEADERS = ("seq", "time (UTC)", "who", "role", "event")
ENFORCEMENT_HEADERS = (
    "case",
    "request",
    "by",
    "gate",
    "independent evidence",
    "true subject",
    "reason",
)


# --- Markdown ---------------------------------------------------------------------------


def _md_cell(value: str) -> str:
    return " ".join(value.split()).replace("|", "\\|") or DASH


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[str]], empty: str) -> str:
    if not rows:
        return f"_{empty}_\n"
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _md_list(items: Sequence[str], empty: str) -> str:
    return "\n".join(f"- {_md_cell(i)}" for i in items) + "\n" if items else f"_{empty}_\n"


def aar_markdown(report: AfterActionReport) -> str:
    ex = report.debrief.exercise
    parts = [
        f"# After-Action Report / Improvement Plan: {report.scenario_title}\n",
        f"Exercise #{ex.exercise_id}. Synthetic identities only; every figure is from the "
        "exercise's audit log.\n",
        "## 1. Exercise overview\n",
        _md_table(("item", "value"), [list(r) for r in _overview(report)], ""),
        "## 2. Objectives and capabilities\n",
        _md_table(OBJECTIVE_HEADERS, _objective_rows(report), "The scenario names no objectives."),
        "## 3. Analysis by objective\n",
        _md_table(
            EXPECTATION_HEADERS,
            _expectation_rows(report),
            "The scenario names no expected actions.",
        ),
        "### Enforcement requests\n",
        _md_table(
            ENFORCEMENT_HEADERS, _enforcement_rows(report), "No enforcement request was made."
        ),
        "## 4. Strengths\n",
        _md_list(report.strengths, "None recorded."),
        "## 5. Areas for improvement\n",
        _md_list(report.areas_for_improvement, "None recorded."),
        "## 6. Hot wash\n",
        _md_table(HOTWASH_HEADERS, _hotwash_rows(report), "No hot-wash answers recorded."),
        "## Appendix A: Improvement plan\n",
        _md_table(
            IMPROVEMENT_HEADERS, _improvement_rows(report), "No corrective actions planned yet."
        ),
        "## Appendix B: Exercise journal\n",
        "Verify it offline: `leadreview audit verify --from . --key verifier.pub` in the "
        "exported package (events.jsonl and checkpoints/).\n",
        _md_table(JOURNAL_HEADERS, _journal_rows(report), "No events."),
    ]
    return "\n".join(parts)


# --- HTML -------------------------------------------------------------------------------


def _html_table(headers: Sequence[str], rows: Sequence[Sequence[str]], empty: str) -> str:
    if not rows:
        return f"<p><em>{escape(empty)}</em></p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f'<table class="words"><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>'


# The shared report style right-aligns cells for figures; this report's cells are words.
WORDS_STYLE = "<style>table.words td, table.words th { text-align: left; }</style>"


def _html_list(items: Sequence[str], empty: str) -> str:
    if not items:
        return f"<p><em>{escape(empty)}</em></p>"
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def aar_html(report: AfterActionReport) -> str:
    ex = report.debrief.exercise
    met = sum(r.status.value == "met" for r in report.expectations)
    headline = (
        f"<p><strong>{met}</strong> of {len(report.expectations)} expected action(s) met; "
        f"{len(report.areas_for_improvement)} area(s) for improvement; "
        f"{len(report.improvements)} corrective action(s) planned.</p>"
    )
    sections = [
        Section(
            "1. Exercise overview",
            WORDS_STYLE + _html_table(("item", "value"), [list(r) for r in _overview(report)], ""),
        ),
        Section(
            "2. Objectives and capabilities",
            _html_table(
                OBJECTIVE_HEADERS, _objective_rows(report), "The scenario names no objectives."
            ),
        ),
        Section(
            "3. Analysis by objective",
            _html_table(
                EXPECTATION_HEADERS,
                _expectation_rows(report),
                "The scenario names no expected actions.",
            )
            + "<h3>Enforcement requests</h3>"
            + _html_table(
                ENFORCEMENT_HEADERS, _enforcement_rows(report), "No enforcement request was made."
            ),
        ),
        Section("4. Strengths", _html_list(report.strengths, "None recorded.")),
        Section(
            "5. Areas for improvement", _html_list(report.areas_for_improvement, "None recorded.")
        ),
        Section(
            "6. Hot wash",
            _html_table(HOTWASH_HEADERS, _hotwash_rows(report), "No hot-wash answers recorded."),
        ),
        Section(
            "Appendix A: Improvement plan",
            _html_table(
                IMPROVEMENT_HEADERS, _improvement_rows(report), "No corrective actions planned yet."
            ),
        ),
        Section(
            "Appendix B: Exercise journal",
            "<p>Verify offline with <code>leadreview audit verify --from . --key "
            "verifier.pub</code> in the exported package.</p>"
            + _html_table(JOURNAL_HEADERS, _journal_rows(report), "No events."),
        ),
    ]
    return page(
        title=f"After-Action Report: {report.scenario_title}",
        subtitle=f"Exercise #{ex.exercise_id}, {ex.scenario_name} — HSEEP AAR/IP structure",
        headline_html=headline,
        sections=sections,
        sources=list(report.debrief.sources),
        footer="leadreview — synthetic identities only",
    )
