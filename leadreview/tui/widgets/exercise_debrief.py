"""The exercise's own debrief (`ExerciseService.debrief`), after the reveal: the same
figures as the HTML report, as tables."""

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from leadreview.tui.widgets.nav_table import NavTable

if TYPE_CHECKING:
    # Type-only: the exercise's debrief module loads SQLAlchemy, which start-up avoids.
    from leadreview.exercise.debrief import ExerciseDebrief, Score

DASH = "—"


def _rate(value: float | None) -> str:
    return DASH if value is None else f"{value:.0%}"


def _seconds(value: float | None) -> str:
    return DASH if value is None else f"{value:.0f}"


def headline(debrief: "ExerciseDebrief") -> str:
    team = debrief.team
    found, mated = debrief.mates_found
    return (
        f"{team.wrongful_forwards} of {team.decisions} decisions forwarded someone who was "
        f"not the person in the probe; {debrief.team_wrongful_forwards} wrong lead(s) ended "
        f"forwarded. The true subject was forwarded in {found} of {mated} mated case(s)."
    )


def _score_row(s: "Score") -> tuple[str, ...]:
    return (
        s.name,
        s.role,
        str(s.decisions),
        str(s.correct),
        _rate(s.accuracy),
        str(s.wrongful_forwards),
        str(s.missed_mates),
        str(s.inconclusive),
        _seconds(s.median_seconds),
    )


class ExerciseDebriefView(Vertical):
    DEFAULT_CSS = "ExerciseDebriefView { height: auto; }"

    def compose(self) -> ComposeResult:
        yield Static("", id="exercise-headline", classes="section", markup=False)
        yield Static("[b]Ground truth[/b]", classes="section")
        yield NavTable(id="exercise-cases")
        yield Static("[b]Participants[/b] (✔ correct, ✗ wrongful forwards)", classes="section")
        yield NavTable(id="exercise-scores")
        yield Static("[b]What each policy would have changed[/b]", classes="section")
        yield NavTable(id="exercise-policies")
        yield Static("[b]Forwarding by Similarity[/b] (automation bias)", classes="section")
        yield NavTable(id="exercise-bands")

    def fill(self, debrief: "ExerciseDebrief") -> None:
        self.query_one("#exercise-headline", Static).update(headline(debrief))
        cases = self._table(
            "#exercise-cases",
            "case",
            "offense",
            "subject in gallery",
            "mate rank",
            "leads shown",
            "mate forwarded",
            "wrong forwarded",
        )
        for c in debrief.cases:
            cases.add_row(
                c.truth.case_key,
                c.truth.offense,
                "✔ yes (mated)" if c.truth.mated else "✘ no (non-mated)",
                str(c.truth.mate_rank) if c.truth.mate_rank is not None else DASH,
                str(c.leads_shown),
                "✔ yes" if c.mate_forwarded else "✘ no",
                str(c.wrong_leads_forwarded),
            )
        scores = self._table(
            "#exercise-scores",
            "participant",
            "role",
            "decisions",
            "✔ correct",
            "accuracy",
            "✗ wrongful fwd",
            "mates rejected",
            "inconclusive",
            "median s",
        )
        for score in (*debrief.participants, debrief.team):
            scores.add_row(*_score_row(score))
        policies = self._table(
            "#exercise-policies",
            "policy",
            "wrong people shown",
            "wrongful fwd prevented",
            "true fwd lost",
            "true mates hidden",
        )
        for e in debrief.policies:
            policies.add_row(
                e.policy + (" (in force)" if e.in_force else ""),
                str(e.wrong_leads_shown),
                str(e.wrongful_forwards_prevented),
                str(e.true_forwards_lost),
                str(e.mates_hidden),
            )
        bands = self._table(
            "#exercise-bands", "similarity", "decisions", "forwards", "rate", "wrong fwd"
        )
        for b in debrief.bands:
            bands.add_row(
                b.label,
                str(b.decisions),
                str(b.forwards),
                _rate(b.forward_rate),
                f"{b.wrong_forwards} of {b.wrong_decisions}",
            )

    def _table(self, selector: str, *columns: str) -> NavTable:
        table = self.query_one(selector, NavTable)
        table.clear(columns=True)
        table.add_columns(*columns)
        return table
