"""The debrief as a self-contained HTML page (the shared `report_template.page`)."""

from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape

from leadreview.analysis.report_template import Section, page
from leadreview.exercise.debrief import BandRate, ExerciseDebrief, PolicyEffect, Score

DASH = "—"


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{escape(_text(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"


def _text(value: object) -> str:
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


def debrief_report(debrief: ExerciseDebrief) -> str:
    ex = debrief.exercise
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
    injects = [
        [
            i.inject_key,
            i.kind,
            i.title,
            i.sender,
            i.released_at.isoformat() if i.released_at else "not released",
        ]
        for i in debrief.injects
    ]
    questions = "<ol>" + "".join(f"<li>{escape(q)}</li>" for q in debrief.questions) + "</ol>"
    sections = [
        Section(
            "Ground truth",
            _table(
                [
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
                ],
                cases,
            ),
        ),
        Section(
            "Participants",
            _table(SCORE_HEADERS, _score_rows([*debrief.participants, debrief.team])),
        ),
        Section(
            "What each policy would have changed",
            _table(
                [
                    "policy",
                    "wrong people shown",
                    "wrongful forwards prevented",
                    "true forwards lost",
                    "true mates hidden",
                ],
                _policy_rows(debrief.policies),
            ),
        ),
        Section(
            "Forwarding by Similarity (automation bias)",
            _table(
                [
                    "similarity",
                    "decisions",
                    "forwards",
                    "forward rate",
                    "decisions on wrong people",
                    "wrong people forwarded",
                    "rate",
                ],
                _band_rows(debrief.bands),
            )
            + '<p class="note">A forward rate on wrong people that rises with Similarity is '
            "the score deciding, not the reviewer.</p>",
        ),
        Section(
            "Every decision",
            _table(
                [
                    "participant",
                    "case",
                    "rank",
                    "similarity",
                    "decision",
                    "true mate",
                    "filtered by",
                    "seconds",
                    "rationale",
                ],
                decisions,
            ),
        ),
        Section(
            "Enforcement requests",
            _table(
                ["case", "request", "by", "gate", "independent evidence", "true subject", "reason"],
                [
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
                ],
            )
            if debrief.enforcement
            else "<p><em>No arrest, warrant or search was asked for.</em></p>",
        ),
        Section("Injects", _table(["inject", "kind", "title", "from", "released"], injects)),
        Section("Debrief questions", questions),
    ]
    return page(
        title=f"Exercise debrief — {ex.title}",
        subtitle=f"Exercise {ex.exercise_id}, scenario {ex.scenario_name}, seed {ex.seed}, "
        f"policy in force {ex.policy_in_force}. Ground truth sha256 {debrief.truth_sha256[:16]}…",
        headline_html=_headline(debrief),
        sections=sections,
        sources=list(debrief.sources),
        footer=f"Generated by leadreview on {datetime.now(UTC):%Y-%m-%d %H:%M UTC}. "
        "Synthetic identities only.",
    )
