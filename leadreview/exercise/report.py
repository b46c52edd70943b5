"""The debrief as a self-contained HTML page (the shared `report_template.page`)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from leadreview.analysis.report_template import Section, page
from leadreview.exercise.debrief import BandRate, ExerciseDebrief, PolicyEffect, Score

DASH = "—"


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{escape(cell_text(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"


def cell_text(value: object) -> str:
    if value is None:
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _rate(value: float | None) -> str:
    return DASH if value is None else f"{100 * value:.0f}%"


def _score_rows(scores: Sequence[Score]) -> list[list[object]]:
    return [
        [
            s.name,
            s.role,
            s.decisions,
            s.correct,
            _rate(s.accuracy),
            s.wrongful_forwards,
            s.missed_mates,
            s.inconclusive,
            s.median_seconds,
        ]
        for s in scores
    ]


SCORE_HEADERS = (
    "participant",
    "role",
    "decisions",
    "correct",
    "accuracy",
    "wrongful forwards",
    "true mates rejected",
    "inconclusive",
    "median seconds per decision",
)


def _policy_rows(effects: Sequence[PolicyEffect]) -> list[list[object]]:
    return [
        [
            e.policy + (" (in force)" if e.in_force else ""),
            e.wrong_leads_shown,
            e.wrongful_forwards_prevented,
            e.true_forwards_lost,
            e.mates_hidden,
        ]
        for e in effects
    ]


def _band_rows(bands: Sequence[BandRate]) -> list[list[object]]:
    return [
        [
            b.label,
            b.decisions,
            b.forwards,
            _rate(b.forward_rate),
            b.wrong_decisions,
            b.wrong_forwards,
            _rate(b.wrong_forward_rate),
        ]
        for b in bands
    ]


def _headline(debrief: ExerciseDebrief) -> str:
    team = debrief.team
    found, mated = debrief.mates_found
    return (
        f"<p><strong>{team.wrongful_forwards}</strong> of {team.decisions} decisions forwarded "
        f"a lead of someone who was not the person in the probe; "
        f"<strong>{debrief.team_wrongful_forwards}</strong> wrong lead(s) ended forwarded.</p>"
        f"<p>The true subject was forwarded in {found} of {mated} mated case(s); "
        f"{len(debrief.cases) - mated} case(s) had no true mate in the gallery at all.</p>"
    )


@dataclass(frozen=True)
class DebriefTable:
    """One section of the debrief as data, so the HTML and the Markdown say the same."""

    heading: str
    headers: Sequence[str]
    rows: Sequence[Sequence[object]]
    empty: str = ""  # said instead of an empty table, if set
    note: str = ""  # plain text under the table


def debrief_tables(debrief: ExerciseDebrief) -> list[DebriefTable]:
    cases = [
        [
            c.truth.case_key,
            c.truth.offense,
            c.truth.mated,
            c.truth.mate_rank,
            c.truth.mate_similarity,
            c.truth.top_impostor_similarity,
            c.leads_shown,
            c.mate_forwarded,
            c.wrong_leads_forwarded,
            ", ".join(c.mate_shown_by) or DASH,
        ]
        for c in debrief.cases
    ]
    decisions = [
        [
            d.participant,
            d.case_key,
            d.rank,
            d.similarity,
            d.kind.value,
            d.is_mate,
            ", ".join(d.filtered_by) or DASH,
            d.seconds_taken,
            d.rationale or DASH,
        ]
        for d in debrief.decisions
    ]
    injects: list[list[object]] = [
        [
            i.inject_key,
            i.kind,
            i.title,
            i.sender,
            i.released_at.isoformat() if i.released_at else "not released",
        ]
        for i in debrief.injects
    ]
    enforcement: list[list[object]] = [
        [
            e.case_key,
            e.kind,
            e.requested_by,
            "granted" if e.granted else "refused",
            ", ".join(e.independent_evidence) or "none",
            e.on_true_mate,
            e.reason,
        ]
        for e in debrief.enforcement
    ]
    return [
        DebriefTable(
            "Ground truth",
            (
                "case",
                "offense",
                "mated",
                "mate rank (gallery)",
                "mate similarity",
                "best wrong person",
                "leads shown",
                "mate forwarded",
                "wrong leads forwarded",
                "mate shown under",
            ),
            cases,
        ),
        DebriefTable(
            "Participants", SCORE_HEADERS, _score_rows([*debrief.participants, debrief.team])
        ),
        DebriefTable(
            "What each policy would have changed",
            (
                "policy",
                "wrong people shown",
                "wrongful forwards prevented",
                "true forwards lost",
                "true mates hidden",
            ),
            _policy_rows(debrief.policies),
        ),
        DebriefTable(
            "Forwarding by Similarity (automation bias)",
            (
                "similarity",
                "decisions",
                "forwards",
                "forward rate",
                "decisions on wrong people",
                "wrong people forwarded",
                "rate",
            ),
            _band_rows(debrief.bands),
            note="A forward rate on wrong people that rises with Similarity is "
            "the score deciding, not the reviewer.",
        ),
        DebriefTable(
            "Every decision",
            (
                "participant",
                "case",
                "rank",
                "similarity",
                "decision",
                "true mate",
                "filtered by",
                "seconds",
                "rationale",
            ),
            decisions,
        ),
        DebriefTable(
            "Enforcement requests",
            ("case", "request", "by", "gate", "independent evidence", "true subject", "reason"),
            enforcement,
            empty="No arrest, warrant or search was asked for.",
        ),
        DebriefTable("Injects", ("inject", "kind", "title", "from", "released"), injects),
    ]


def _html_section(table: DebriefTable) -> Section:
    if not table.rows and table.empty:
        return Section(table.heading, f"<p><em>{escape(table.empty)}</em></p>")
    body = _table(table.headers, table.rows)
    if table.note:
        body += f'<p class="note">{escape(table.note)}</p>'
    return Section(table.heading, body)


def debrief_report(debrief: ExerciseDebrief) -> str:
    ex = debrief.exercise
    questions = "<ol>" + "".join(f"<li>{escape(q)}</li>" for q in debrief.questions) + "</ol>"
    sections = [_html_section(t) for t in debrief_tables(debrief)]
    sections.append(Section("Debrief questions", questions))
    return page(
        title=f"Exercise debrief — {ex.title}",
        subtitle=debrief_subtitle(debrief),
        headline_html=_headline(debrief),
        sections=sections,
        sources=list(debrief.sources),
        footer=f"Generated by leadreview on {datetime.now(UTC):%Y-%m-%d %H:%M UTC}. "
        "Synthetic identities only.",
    )


def debrief_subtitle(debrief: ExerciseDebrief) -> str:
    ex = debrief.exercise
    return (
        f"Exercise {ex.exercise_id}, scenario {ex.scenario_name}, seed {ex.seed}, "
        f"policy in force {ex.policy_in_force}. Ground truth sha256 {debrief.truth_sha256[:16]}…"
    )
