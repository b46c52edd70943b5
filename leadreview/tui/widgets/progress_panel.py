"""The facilitator's live view of an exercise: per participant, decisions made and still
pending and the median time a decision took; the clock (paused or not) and the injects in
one line above."""

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from leadreview.tui.widgets.nav_table import NavTable

if TYPE_CHECKING:
    from leadreview.exercise.views import ExerciseProgress


def progress_line(progress: "ExerciseProgress") -> str:
    limit = f" of {progress.exercise_minutes:g}" if progress.exercise_minutes else ""
    late = " — ⚠ over time" if progress.overdue else ""
    if progress.paused:
        late = " — ⏸ PAUSED" + late
    out = sum(i.released_at is not None for i in progress.injects)
    return (
        f"{progress.elapsed_minutes:.0f}{limit} min{late}; "
        f"cases complete {progress.cases_complete}/{progress.case_count}; "
        f"injects out {out}/{len(progress.injects)}; "
        f"as of {progress.now:%H:%M:%S} UTC"
    )


BOARD_COLUMNS = (
    "participant", "role", "cases", "made", "pending", "median s/decision", "last decision"
)  # fmt: skip
NOBODY = ("— nobody has joined yet", "", "", "", "", "", "")


def _seconds(median: float | None) -> str:
    return "—" if median is None else f"{median:.0f} s"


class ProgressPanel(Vertical):
    DEFAULT_CSS = "ProgressPanel { height: auto; }"

    def compose(self) -> ComposeResult:
        yield Static("[b]Progress[/b]", classes="section")
        yield Static("loading…", id="progress-line", classes="facts", markup=False)
        yield NavTable(id="progress-table")

    def fill(self, progress: "ExerciseProgress") -> None:
        self.query_one("#progress-line", Static).update(progress_line(progress))
        rows = [
            (
                p.name,
                (
                    p.name,
                    p.role.value,
                    ", ".join(p.assigned_cases) or "—",
                    str(p.decisions_made),
                    f"{p.decisions_pending} to go" if p.decisions_pending else "✔ none",
                    _seconds(p.median_seconds_per_decision),
                    f"{p.last_decision_at:%H:%M:%S}" if p.last_decision_at else "—",
                ),
            )
            for p in progress.participants
        ]
        # Keep the facilitator's cursor across the timer's refreshes.
        table = self.query_one("#progress-table", NavTable)
        table.refill(BOARD_COLUMNS, rows or [(None, NOBODY)])
