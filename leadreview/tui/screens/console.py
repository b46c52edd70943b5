"""The facilitator's console: run an exercise from the app.

Start one from a scenario, assign its cases round robin or one by hand, pause, resume
and extend the clock, release injects by hand (timed
and conditional ones come out by themselves: each poll of the board is a tick of the
exercise clock), watch the board of who has done what, reveal the truth, export the
after-action package and close. Every step is the exercise service's own audited write;
the console only asks for it, in a worker thread.
"""

from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import Header, Input, Static
from textual.worker import Worker, WorkerState

from leadreview.tui.messages import ConsoleDone, ConsoleStateLoaded, ProgressLoaded
from leadreview.tui.read_models import ExerciseState
from leadreview.tui.screens.assign_pick import AssignPickScreen
from leadreview.tui.screens.confirm import ConfirmScreen
from leadreview.tui.screens.console_invites import INVITE_BINDINGS, ConsoleInvites
from leadreview.tui.screens.scenario_pick import ScenarioPickScreen
from leadreview.tui.widgets.extend_control import ExtendControl, refusal
from leadreview.tui.widgets.invite_table import InviteTable
from leadreview.tui.widgets.key_footer import KeyFooter
from leadreview.tui.widgets.nav_table import NavTable
from leadreview.tui.widgets.progress_panel import ProgressPanel

if TYPE_CHECKING:
    from leadreview.exercise.views import ExerciseProgress

# Each poll may release a due inject, so it is the exercise clock's resolution too.
CONSOLE_SECONDS = 2.0
INJECT_COLUMNS = ("inject", "kind", "title", "release", "out at", "by")
NO_EXERCISE = "No exercise is running. Press n to start one from a scenario."


def release_text(minutes: float | None, condition: str | None) -> str:
    if condition is not None:
        return f"when {condition}"
    return "by hand" if minutes is None else f"at {minutes:g} min"


class ConsoleScreen(ConsoleInvites):
    CSS_PATH = "console.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "start", "New", id="console.start", tooltip="Start an exercise"),
        Binding("a", "assign", "Assign", id="console.assign", tooltip="Assign round robin"),
        Binding("m", "assign_one", "By hand", id="console.assign_one", tooltip="Assign one case"),
        Binding("p", "pause", "Pause", id="console.pause", tooltip="Stop the exercise clock"),
        Binding("u", "resume", "Resume", id="console.resume", tooltip="Restart the clock"),
        Binding(
            "plus",
            "extend",
            "Extend",
            id="console.extend",
            tooltip="Type the minutes to add to the time limit; Enter adds them",
        ),
        Binding("i", "release", "Release", id="console.release", tooltip="Release this inject"),
        Binding("v", "reveal", "Reveal", id="console.reveal", tooltip="Reveal the truth"),
        Binding("w", "export", "Export", id="console.export", tooltip="Write the AAR package"),
        Binding("x", "close_exercise", "Close", id="console.close", tooltip="End it"),
        *INVITE_BINDINGS,
        Binding("r", "refresh", "Refresh", id="console.refresh", tooltip="Read it again"),
        Binding("escape,h", "back", "Back", id="console.back", tooltip="Back"),
    ]

    def __init__(self, poll_seconds: float = CONSOLE_SECONDS) -> None:
        super().__init__()
        self.exercise: ExerciseState | None = None
        self.progress: ExerciseProgress | None = None  # the board as last read
        self._poll_seconds = poll_seconds
        self._timer: Timer | None = None
        # Set when the exercise or its board could not be read (refused, or the database gone):
        # the console then closes once its error modal is dismissed, instead of staying
        # open empty and asking again, and being refused again, at every change in the log.
        self._close_on_resume = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Facilitator's console", classes="screen-title")
        yield Static("loading…", id="console-status", markup=False)
        yield ProgressPanel(id="console-board")
        yield ExtendControl(id="console-extend")
        yield Static("[b]Injects[/b] (timeline)", classes="section")
        yield NavTable(id="inject-table")
        yield Static("[b]Invites[/b] (join codes, each shown once when issued)", classes="section")
        yield InviteTable(id="invite-table")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#console-board").display = False
        self.query_one("#console-extend").display = False
        self.query_one("#inject-table", NavTable).focus()
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        running = self.exercise is not None and self.exercise.status == "running"
        paused = running and self.progress is not None and self.progress.paused
        if action in ("assign", "assign_one", "release", "extend", "invite", "revoke_invite"):
            return running
        if action == "pause":
            return running and not paused
        if action == "resume":
            return paused
        if action == "reveal":
            return running
        if action == "export":
            return self.exercise is not None and self.exercise.revealed
        if action == "close_exercise":
            return self.exercise is not None
        if action == "start":
            return self.exercise is None
        return True

    # Reading: the exercise's state, then its board on a timer.

    @work(thread=True, exclusive=True, group="console-load", exit_on_error=False)
    def load(self) -> None:
        app = self.lr_app
        self.post_message(
            ConsoleStateLoaded(app.gateway.exercise_state(app.actor, screen="console"))
        )

    @on(ConsoleStateLoaded)
    def _state_loaded(self, message: ConsoleStateLoaded) -> None:
        self.exercise = message.state
        self.query_one("#console-board").display = message.state is not None
        self.query_one("#console-extend").display = message.state is not None
        if message.state is None:
            self.query_one("#console-status", Static).update(NO_EXERCISE)
            self.query_one("#inject-table", NavTable).refill((), [])
            self.query_one(InviteTable).refill((), [])
        elif self._timer is None:
            self._timer = self.set_interval(self._poll_seconds, self._poll)
        self._poll()
        self.refresh_bindings()

    def _poll(self) -> None:
        # With a dialog on top the board waits, as every live view does: refilling a
        # table under a modal would move what the facilitator reads when it closes.
        if self.exercise is not None and self.app.screen is self:
            self.load_board(self.exercise.exercise_id)

    @work(thread=True, exclusive=True, group="console-board", exit_on_error=False)
    def load_board(self, exercise_id: int) -> None:
        app = self.lr_app
        self.post_message(ProgressLoaded(app.gateway.exercise_progress(app.actor, exercise_id)))

    @on(ProgressLoaded)
    def _board_loaded(self, message: ProgressLoaded) -> None:
        progress = message.progress
        if self.exercise is None or self.exercise.exercise_id != progress.exercise.exercise_id:
            return  # read before the exercise closed: the console has moved on
        self.progress = progress
        exercise = progress.exercise
        # Only once the board was read: whoever may not read it is refused once, not twice.
        self.load_invites(exercise.exercise_id)
        # The clock, cases and injects are on the board's own line below.
        self.query_one("#console-status", Static).update(
            f"Exercise #{exercise.exercise_id}: {exercise.title} — {exercise.status} "
            f"(scenario {exercise.scenario_name}, seed {exercise.seed}, policy in force "
            f"{exercise.policy_in_force}, assignment {exercise.assignment})"
            + (" — PAUSED: press u to resume" if progress.paused else "")
        )
        self.refresh_bindings()
        self.query_one(ProgressPanel).fill(progress)
        rows = [
            (
                inject.inject_key,
                (
                    inject.inject_key,
                    inject.kind,
                    inject.title,
                    release_text(inject.release_after_minutes, inject.condition),
                    f"{inject.released_at:%H:%M:%S}" if inject.released_at else "—",
                    inject.released_by or "—",
                ),
            )
            for inject in progress.injects
        ]
        self.query_one("#inject-table", NavTable).refill(INJECT_COLUMNS, rows)

    def live_refresh(self) -> None:
        self.load()

    # The facilitator's steps: one audited write each, then the board again.

    def _highlighted_inject(self) -> str | None:
        table = self.query_one("#inject-table", NavTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return str(key) if key is not None else None

    def action_start(self) -> None:
        self.app.push_screen(ScenarioPickScreen(), self._picked)

    def _picked(self, scenario: str | None) -> None:
        if scenario:
            self.notify(f"Starting {scenario}: building its world…")
            self.start(scenario)

    @work(thread=True, exit_on_error=False, group="console-start")
    def start(self, scenario: str) -> None:
        app = self.lr_app
        state = app.gateway.start_exercise(app.actor, scenario)
        self.post_message(ConsoleDone(f"Exercise #{state.exercise_id} started: {state.title}"))

    def action_assign(self) -> None:
        if self.exercise is not None:
            self.assign(self.exercise.exercise_id)

    @work(thread=True, exit_on_error=False, group="console-assign")
    def assign(self, exercise_id: int) -> None:
        app = self.lr_app
        made = app.gateway.assign_cases(app.actor, exercise_id)
        self.post_message(ConsoleDone(f"{made} assignment(s) made, round robin"))

    def action_assign_one(self) -> None:
        progress = self.progress
        if self.exercise is None or progress is None:
            return
        exercise_id = self.exercise.exercise_id
        self.app.push_screen(
            AssignPickScreen(progress), lambda pair: self._assign_one(exercise_id, pair)
        )

    def _assign_one(self, exercise_id: int, pair: tuple[str, str] | None) -> None:
        if pair is not None:
            self.assign_by_hand(exercise_id, *pair)

    @work(thread=True, exit_on_error=False, group="console-assign")
    def assign_by_hand(self, exercise_id: int, case_key: str, participant: str) -> None:
        app = self.lr_app
        made = app.gateway.assign_cases(app.actor, exercise_id, case_key, participant)
        self.post_message(
            ConsoleDone(
                f"{case_key} assigned to {participant}"
                if made
                else f"{case_key} was already assigned to {participant}"
            )
        )

    def action_pause(self) -> None:
        if self.exercise is not None:
            self.set_paused(self.exercise.exercise_id, True)

    def action_resume(self) -> None:
        if self.exercise is not None:
            self.set_paused(self.exercise.exercise_id, False)

    @work(thread=True, exit_on_error=False, group="console-clock")
    def set_paused(self, exercise_id: int, paused: bool) -> None:
        app = self.lr_app
        app.gateway.pause_exercise(app.actor, exercise_id, paused)
        self.post_message(
            ConsoleDone(
                "Exercise paused: the clock has stopped and decisions wait"
                if paused
                else "Exercise resumed"
            )
        )

    def action_extend(self) -> None:
        # The minutes are typed, not fixed: `+` puts the cursor in their box, Enter adds.
        field = self.query_one("#extend-minutes", Input)
        field.focus()
        field.select_all()

    @on(Input.Submitted, "#extend-minutes")
    def _extend_typed(self) -> None:
        minutes = self.query_one(ExtendControl).minutes()
        if minutes is None:
            self.notify(refusal(), severity="error")  # nothing asked, nothing recorded
            return
        self.query_one("#inject-table", NavTable).focus()
        if self.exercise is not None and self.check_action("extend", ()):
            self.extend(self.exercise.exercise_id, minutes)

    @work(thread=True, exit_on_error=False, group="console-clock")
    def extend(self, exercise_id: int, minutes: int) -> None:
        app = self.lr_app
        limit = app.gateway.extend_exercise(app.actor, exercise_id, float(minutes))
        now = "no time limit" if limit is None else f"the limit is now {limit:g} min"
        self.post_message(ConsoleDone(f"Extended by {minutes} min: {now}"))

    def action_release(self) -> None:
        key = self._highlighted_inject()
        if self.exercise is not None and key is not None:
            self.release(self.exercise.exercise_id, key)

    @work(thread=True, exit_on_error=False, group="console-release")
    def release(self, exercise_id: int, key: str) -> None:
        app = self.lr_app
        done = app.gateway.release_inject(app.actor, exercise_id, key)
        self.post_message(
            ConsoleDone(f"Inject {key} " + ("released" if done else "was already out"))
        )

    def action_reveal(self) -> None:
        exercise = self.exercise
        if exercise is None:
            return
        question = ConfirmScreen(
            "Reveal the ground truth?",
            "Participants' remaining decisions will be made knowing it. Recorded as "
            "exercise.revealed, with the truth's digest published at the start.",
            yes="Reveal",
        )
        self.app.push_screen(question, lambda yes: self._reveal(exercise.exercise_id, yes))

    def _reveal(self, exercise_id: int, yes: bool | None) -> None:
        if yes:
            self.reveal(exercise_id)

    @work(thread=True, exit_on_error=False, group="console-reveal")
    def reveal(self, exercise_id: int) -> None:
        app = self.lr_app
        app.gateway.reveal_truth(app.actor, exercise_id)
        self.post_message(ConsoleDone("Ground truth revealed: the debrief is open (b)"))

    def action_export(self) -> None:
        if self.exercise is not None:
            self.export(self.exercise.exercise_id)

    @work(thread=True, exit_on_error=False, group="console-export")
    def export(self, exercise_id: int) -> None:
        app = self.lr_app
        where = app.gateway.export_exercise(app.actor, exercise_id)
        self.post_message(ConsoleDone(f"After-action package written: {where}"))

    def action_close_exercise(self) -> None:
        exercise = self.exercise
        if exercise is None:
            return
        question = ConfirmScreen(
            f"Close exercise #{exercise.exercise_id}?",
            f"{exercise.title}: nobody can decide or join once it is closed.",
            yes="Close",
        )
        self.app.push_screen(question, lambda yes: self._close(exercise.exercise_id, yes))

    def _close(self, exercise_id: int, yes: bool | None) -> None:
        if yes:
            self.close_exercise(exercise_id)

    @work(thread=True, exit_on_error=False, group="console-close")
    def close_exercise(self, exercise_id: int) -> None:
        app = self.lr_app
        app.gateway.close_exercise(app.actor, exercise_id)
        self.post_message(ConsoleDone(f"Exercise #{exercise_id} closed"))

    @on(ConsoleDone)
    def _done(self, message: ConsoleDone) -> None:
        self.notify(message.text)
        self.load()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # A failing poll would otherwise open an error modal every few seconds.
        failed = event.state is WorkerState.ERROR
        if failed and event.worker.group in ("console-load", "console-board", "console-invites"):
            self._close_on_resume = True
        polling = event.worker.group in ("console-board", "console-invites")
        if failed and polling and self._timer is not None:
            self._timer.stop()
            self._timer = None
        # No super() call: Textual runs every class's handler along the MRO, so
        # AppScreen's opens the one error modal (calling it here opened two).

    def on_screen_resume(self) -> None:
        if self._close_on_resume:
            self.app.pop_screen()

    def action_refresh(self) -> None:
        self.load()

    def action_back(self) -> None:
        if self.focused is self.query_one("#extend-minutes", Input):
            self.query_one("#inject-table", NavTable).focus()  # leave the box, add nothing
            return
        self.app.pop_screen()
