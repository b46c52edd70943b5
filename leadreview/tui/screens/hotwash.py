"""The hot wash in the app: after the reveal, each participant and the facilitator
answer the debrief questions; the facilitator also judges the expectations the debrief
cannot score by itself. Every answer and judgement is one audited event (HSEEP's hot
wash and evaluation, read back by the after-action report)."""

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Header, Input, Static

from leadreview.domain.roles import Role
from leadreview.exercise.views import HotwashSheet
from leadreview.tui.screens.base import AppScreen
from leadreview.tui.widgets.nav_table import NavTable

NOT_YET = "The hot wash opens once the facilitator has revealed the ground truth."


class SheetLoaded(Message):
    def __init__(self, sheet: HotwashSheet | None) -> None:
        super().__init__()
        self.sheet = sheet


class HotwashSaved(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


def judged_text(met: bool | None) -> str:
    return {None: "— not judged", True: "✔ met", False: "✖ not met"}[met]


class HotwashScreen(AppScreen):
    CSS_PATH = "hotwash.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save answers", id="hotwash.save", tooltip="Record answers"),
        Binding("ctrl+y", "judge(True)", "Met", id="hotwash.met", tooltip="Expectation met"),
        Binding("ctrl+n", "judge(False)", "Not met", id="hotwash.not-met", tooltip="Not met"),
        Binding("escape", "back", "Back", id="hotwash.back", tooltip="Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sheet: HotwashSheet | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Hot wash", classes="screen-title")
        yield Static("loading…", id="hotwash-status", markup=False)
        yield VerticalScroll(id="hotwash-body")
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    @property
    def _facilitating(self) -> bool:
        return self.lr_app.actor.role is Role.FACILITATOR

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "save":
            return self.sheet is not None
        if action == "judge":
            return self.sheet is not None and self._facilitating and bool(self.sheet.expectations)
        return True

    @work(thread=True, exclusive=True, group="hotwash-load", exit_on_error=False)
    def load(self) -> None:
        app = self.lr_app
        self.post_message(SheetLoaded(app.gateway.hotwash_sheet(app.actor)))

    @on(SheetLoaded)
    async def _loaded(self, message: SheetLoaded) -> None:
        first = self.sheet is None
        self.sheet = sheet = message.sheet
        self.refresh_bindings()
        status = self.query_one("#hotwash-status", Static)
        if sheet is None:
            status.update(NOT_YET)
            return
        status.update(
            f"Exercise #{sheet.exercise_id}: {sheet.title} — {sheet.status}. Answer each "
            "question in your own words; Ctrl+S records them (each answer on record)."
        )
        if first:
            await self._build(sheet)
        elif self._facilitating:
            self._fill_expectations(sheet)

    async def _build(self, sheet: HotwashSheet) -> None:
        body = self.query_one("#hotwash-body", VerticalScroll)
        await body.remove_children()
        parts: list[Static | Input | NavTable] = []
        for number, (question, mine) in enumerate(
            zip(sheet.questions, sheet.my_answers, strict=True), start=1
        ):
            parts.append(Static(f"{number}. {question}", classes="hotwash-question", markup=False))
            parts.append(Input(value=mine or "", placeholder="your answer", id=f"answer-{number}"))
        if self._facilitating and sheet.expectations:
            parts.append(Static("Expectations (Ctrl+Y met, Ctrl+N not met)", classes="section"))
            parts.append(NavTable(id="expectation-table"))
            parts.append(Input(placeholder="note for the judgement", id="validation-note"))
        await body.mount_all(parts)
        for field in self.query(Input):
            field.cursor_blink = getattr(self.app, "cursor_blink", True)
        if self._facilitating and sheet.expectations:
            self._fill_expectations(sheet)
        if sheet.questions:
            self.query_one("#answer-1", Input).focus()

    def _fill_expectations(self, sheet: HotwashSheet) -> None:
        table = self.query_one("#expectation-table", NavTable)
        row = table.cursor_row
        table.clear(columns=True)
        table.add_columns("expectation", "how scored", "judged", "what is expected")
        for e in sheet.expectations:
            table.add_row(e.expectation, e.check, judged_text(e.met), e.text, key=e.expectation)
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1), animate=False)

    # Writing: each changed answer is its own audited event.

    def action_save(self) -> None:
        sheet = self.sheet
        if sheet is None:
            return
        changed = []
        for number, mine in enumerate(sheet.my_answers, start=1):
            text = self.query_one(f"#answer-{number}", Input).value.strip()
            if text and text != (mine or ""):
                changed.append((number, text))
        if not changed:
            self.notify("Nothing new to record.")
            return
        self.save(sheet.exercise_id, changed)

    @work(thread=True, exit_on_error=False, group="hotwash-save")
    def save(self, exercise_id: int, answers: list[tuple[int, str]]) -> None:
        app = self.lr_app
        for number, text in answers:
            app.gateway.answer_hotwash(app.actor, exercise_id, number, text)
        self.post_message(HotwashSaved(f"{len(answers)} answer(s) recorded in the audit log"))

    def action_judge(self, met: bool) -> None:
        sheet = self.sheet
        if sheet is None or not self._facilitating or not sheet.expectations:
            return
        table = self.query_one("#expectation-table", NavTable)
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        note = self.query_one("#validation-note", Input).value.strip()
        if not note:
            self.notify("Write a note first: why it was met or not.", severity="warning")
            self.query_one("#validation-note", Input).focus()
            return
        if key is not None:
            self.judge(sheet.exercise_id, str(key), met, note)

    @work(thread=True, exit_on_error=False, group="hotwash-judge")
    def judge(self, exercise_id: int, key: str, met: bool, note: str) -> None:
        app = self.lr_app
        app.gateway.validate_expectation(app.actor, exercise_id, key, met, note)
        self.post_message(HotwashSaved(f"Expectation {key}: {judged_text(met)}, on record"))

    @on(HotwashSaved)
    def _saved(self, message: HotwashSaved) -> None:
        self.notify(message.text)
        if self.is_mounted and self.query("#validation-note"):
            self.query_one("#validation-note", Input).value = ""
        self.load()

    def live_refresh(self) -> None:
        # Others' answers change nothing here; a judgement by the facilitator elsewhere does.
        if self.sheet is not None and self._facilitating:
            self.load()

    def action_back(self) -> None:
        self.app.pop_screen()
