"""The debrief, for the facilitator: the exercise's live progress, the reveal of its sealed
ground truth, then its debrief; the HTML report written on record from here too.

A database without an exercise falls back to the view built from the demo world's truth.
"""

from functools import partial
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.timer import Timer
from textual.widgets import Footer, Header, Static
from textual.worker import Worker, WorkerState

from leadreview.tui.messages import DebriefLoaded, ProgressLoaded, ReportWritten, TruthRevealed
from leadreview.tui.read_models import ExerciseState
from leadreview.tui.screens.base import AppScreen
from leadreview.tui.screens.confirm import ConfirmScreen
from leadreview.tui.widgets.exercise_debrief import ExerciseDebriefView
from leadreview.tui.widgets.nav_table import NavTable
from leadreview.tui.widgets.progress_panel import ProgressPanel
from leadreview.tui.widgets.truth_tables import TruthTables

PROGRESS_SECONDS = 5.0
NO_EXERCISE = "No exercise in this database: the ground truth below comes from the demo world."


def status_text(exercise: ExerciseState | None) -> str:
    if exercise is None:
        return NO_EXERCISE
    name = f"Exercise {exercise.exercise_id} “{exercise.title}”"
    if exercise.revealed:
        closed = "" if exercise.status == "revealed" else f"; the exercise is {exercise.status}"
        return f"{name}: ground truth revealed{closed}."
    return (
        f"{name} is {exercise.status}: the ground truth is sealed until you reveal it "
        "(Reveal truth, in the footer; the reveal is recorded in the audit log)."
    )


class DebriefScreen(AppScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "refresh", "Refresh", id="debrief.refresh", tooltip="Reload the debrief"),
        Binding(
            "v",
            "reveal",
            "Reveal truth",
            id="debrief.reveal",
            tooltip="Open the exercise's sealed ground truth (asks first; audited)",
        ),
        Binding(
            "w",
            "write_report",
            "Write report",
            id="debrief.write-report",
            tooltip="Write the HTML report to the data directory, its SHA-256 on record",
        ),
        Binding("escape,h", "back", "Back", id="debrief.back", tooltip="Back"),
    ]

    def __init__(self, progress_seconds: float = PROGRESS_SECONDS) -> None:
        super().__init__()
        self.exercise: ExerciseState | None = None
        self.loaded = False
        self._progress_seconds = progress_seconds
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Debrief", classes="screen-title")
        yield Static("loading…", id="debrief-status", markup=False)
        with VerticalScroll(id="debrief-body"):
            yield ProgressPanel(id="progress-panel")
            yield ExerciseDebriefView(id="exercise-debrief")
            yield TruthTables(id="truth-tables")
        yield Footer()

    def on_mount(self) -> None:
        for part in ("#progress-panel", "#exercise-debrief", "#truth-tables"):
            self.query_one(part).display = False
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reveal":
            return self.exercise is not None and not self.exercise.revealed
        if action == "write_report":
            return self.loaded
        return True

    # Loading: the exercise's state decides what there is to show.

    @work(thread=True, exclusive=True, group="debrief-load", exit_on_error=False)
    def load(self) -> None:
        app = self.lr_app
        state = app.gateway.exercise_state(app.actor)
        if state is None:
            self.post_message(DebriefLoaded(None, debrief=app.gateway.debrief(app.actor)))
        elif state.revealed:
            found = app.gateway.exercise_debrief(app.actor, state.exercise_id)
            self.post_message(DebriefLoaded(state, exercise_debrief=found))
        else:
            self.post_message(DebriefLoaded(state))

    @on(DebriefLoaded)
    def show(self, message: DebriefLoaded) -> None:
        self.exercise = message.exercise
        self.loaded = True
        self.query_one("#debrief-status", Static).update(status_text(message.exercise))
        truth = self.query_one(TruthTables)
        truth.display = message.debrief is not None
        if message.debrief is not None:
            truth.fill(message.debrief)
        view = self.query_one(ExerciseDebriefView)
        view.display = message.exercise_debrief is not None
        if message.exercise_debrief is not None:
            view.fill(message.exercise_debrief)
        self.query_one(ProgressPanel).display = message.exercise is not None
        self._watch_progress()
        if message.exercise_debrief is not None:
            focus = "#exercise-scores"
        elif message.debrief is not None:
            focus = "#decision-table"
        else:
            focus = "#progress-table"
        self.query_one(focus, NavTable).focus()
        self.refresh_bindings()

    # Live progress, polled while an exercise is open.

    def _watch_progress(self) -> None:
        if self.exercise is None:
            if self._timer is not None:
                self._timer.stop()
                self._timer = None
            return
        if self._timer is None:
            self._timer = self.set_interval(self._progress_seconds, self._poll_progress)
        self._poll_progress()

    def _poll_progress(self) -> None:
        if self.exercise is not None:
            self.load_progress(self.exercise.exercise_id)

    # Exclusive: a slow poll is replaced by the next. The service may release a scheduled
    # inject on the way (its own audited write, idempotent), as the CLI's console does.
    @work(thread=True, exclusive=True, group="debrief-progress", exit_on_error=False)
    def load_progress(self, exercise_id: int) -> None:
        app = self.lr_app
        self.post_message(ProgressLoaded(app.gateway.exercise_progress(app.actor, exercise_id)))

    @on(ProgressLoaded)
    def show_progress(self, message: ProgressLoaded) -> None:
        self.query_one(ProgressPanel).fill(message.progress)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # A failing poll would otherwise open an error modal every few seconds.
        failed = event.state is WorkerState.ERROR
        if failed and event.worker.group == "debrief-progress" and self._timer is not None:
            self._timer.stop()
            self._timer = None
        # No super() call: Textual runs every class's handler along the MRO, so
        # AppScreen's opens the one error modal (calling it here opened two).

    # The reveal: asked first, then one audited write.

    def action_reveal(self) -> None:
        exercise = self.exercise
        if exercise is None or exercise.revealed:
            return
        question = ConfirmScreen(
            "Reveal the ground truth?",
            f"Exercise {exercise.exercise_id} “{exercise.title}”: every decision will be "
            "scored against the truth. The reveal is recorded in the audit log and cannot "
            "be undone.",
            yes="Reveal",
        )
        self.app.push_screen(question, partial(self._answered, exercise.exercise_id))

    def _answered(self, exercise_id: int, yes: bool | None) -> None:
        if yes:
            self.reveal(exercise_id)

    @work(thread=True, exit_on_error=False, group="debrief-reveal")
    def reveal(self, exercise_id: int) -> None:
        app = self.lr_app
        self.post_message(TruthRevealed(app.gateway.reveal_truth(app.actor, exercise_id)))

    @on(TruthRevealed)
    def revealed(self, message: TruthRevealed) -> None:
        self.notify(f"Ground truth of exercise {message.exercise.exercise_id} revealed.")
        self.load()

    # The report file.

    def action_write_report(self) -> None:
        self.write_report()

    @work(thread=True, exit_on_error=False, group="debrief-report")
    def write_report(self) -> None:
        app = self.lr_app
        self.post_message(ReportWritten(app.gateway.write_debrief_report(app.actor)))

    @on(ReportWritten)
    def written(self, message: ReportWritten) -> None:
        report = message.report
        self.notify(
            f"{report.kind.capitalize()} written to {report.path} "
            f"(sha256 {report.sha256[:12]}…, on record as event {report.event_seq})",
            timeout=20,
        )

    def live_refresh(self) -> None:
        # After the reveal the debrief changes as hot-wash answers and validations come in.
        if self.exercise is not None and self.exercise.revealed:
            self.load()

    def action_refresh(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.app.pop_screen()
