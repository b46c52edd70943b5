"""The case queue: every case, its leads and the reviewer's own progress; during an
exercise, a participant's assigned cases under a panel naming the injects released."""

from collections.abc import Sequence
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static

from leadreview.errors import LeadreviewError
from leadreview.tui.exercise_panel import NOT_ASSIGNED, my_cases, panel_text, refused_text
from leadreview.tui.messages import CasesLoaded
from leadreview.tui.screens.base import AppScreen
from leadreview.tui.symbols import progress_text
from leadreview.tui.widgets.nav_table import NavTable
from leadreview.workflow.views import CaseSummary


class CaseQueueScreen(AppScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "l",
            "open_case",
            "Open case",
            id="queue.open",
            tooltip="Review the leads of the highlighted case (also Enter)",
        ),
        # Priority, or the focused table would take the arrow to scroll sideways.
        Binding(
            "right",
            "open_case",
            "Open case",
            id="queue.open-arrow",
            show=False,
            priority=True,
            tooltip="Review the leads of the highlighted case",
        ),
        Binding(
            "r",
            "refresh",
            "Refresh",
            id="queue.refresh",
            tooltip="Reload the queue (other reviewers' work included)",
        ),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Loading cases…", id="queue-title", classes="screen-title", markup=False)
        yield Static("", id="exercise-panel", markup=False)
        yield NavTable(id="case-table")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#case-table", NavTable)
        table.add_column("case", key="case")
        table.add_column("offense", key="offense")
        table.add_column("use case", key="use_case")
        table.add_column("status", key="status")
        table.add_column("leads", key="leads")
        table.add_column("your progress", key="progress")
        table.focus()
        self.query_one("#exercise-panel", Static).display = False

    def on_screen_resume(self) -> None:
        # On first show and on coming back from a case (progress has changed). After the
        # paint: the first load also opens the store, whose imports would otherwise hold
        # the interpreter while the screen is still blank.
        self.call_after_refresh(self.load_cases)

    @work(thread=True, exclusive=True, group="queue-load", exit_on_error=False)
    def load_cases(self) -> None:
        app = self.lr_app
        board, refused = None, None
        if app.exercise_id is not None:
            board = app.gateway.exercise_board(app.actor, app.exercise_id)
        elif app.exercise_refused is None:
            # Joins the running exercise (idempotent); none yet means a later refresh
            # joins one the facilitator has started since.
            try:
                board = app.gateway.join_exercise(app.actor)
            except LeadreviewError as error:  # no seat for this role: audited
                refused = error.message
        cases = app.gateway.list_cases(app.actor)
        self.post_message(CasesLoaded(cases, board, refused))

    @on(CasesLoaded)
    def show_cases(self, message: CasesLoaded) -> None:
        app, board = self.lr_app, message.board
        cases = list(message.cases) if board is None else my_cases(message.cases, board)
        app.cases = tuple(cases)
        table = self.query_one("#case-table", NavTable)
        selected = self._selected_case_id()
        table.clear()
        for case in cases:
            table.add_row(*self._cells(case), key=str(case.case_id))
        if selected is not None and str(selected) in table.rows:
            table.move_cursor(row=table.get_row_index(str(selected)), animate=False)
        self._show_exercise(message)
        actor = app.actor
        count = f"{len(cases)} case(s)"
        if board is not None:
            count = f"your cases in exercise #{board.exercise.exercise_id} — " + (
                count if cases else NOT_ASSIGNED
            )
        self.query_one("#queue-title", Static).update(
            f"Case queue — {count} — {actor.name} ({actor.role.value})"
        )

    def _show_exercise(self, message: CasesLoaded) -> None:
        app, panel = self.lr_app, self.query_one("#exercise-panel", Static)
        if message.board is not None:
            app.exercise_id = message.board.exercise.exercise_id
            panel.update(panel_text(message.board))
        elif message.join_refused is not None:
            app.exercise_refused = message.join_refused
            panel.update(refused_text(message.join_refused))
            self.notify(message.join_refused, title="Not in the exercise", severity="warning")
        panel.display = app.exercise_id is not None or app.exercise_refused is not None

    @staticmethod
    def _cells(case: CaseSummary) -> Sequence[str]:
        return (
            f"#{case.case_id}",
            case.offense,
            case.use_case.value,
            case.status.value,
            f"{case.shown_count} shown of {case.lead_count}",
            # Leads others already closed need nothing from this reviewer.
            progress_text(
                case.viewer_decided or 0, (case.viewer_decided or 0) + (case.viewer_pending or 0)
            ),
        )

    def _selected_case_id(self) -> int | None:
        table = self.query_one("#case-table", NavTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return int(key) if key is not None else None

    def action_open_case(self) -> None:
        case_id = self._selected_case_id()
        if case_id is not None:
            self.lr_app.open_case(case_id)

    @on(DataTable.RowSelected, "#case-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.lr_app.open_case(int(event.row_key.value))

    def action_refresh(self) -> None:
        self.load_cases()

    def live_refresh(self) -> None:
        # New assignments and injects appear without pressing `r`; the cursor stays on
        # the highlighted case (show_cases keeps it).
        self.load_cases()
