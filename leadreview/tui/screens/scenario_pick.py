"""Choosing the scenario a new exercise runs: a bundled exercise by name, or the
facilitator's own scenario file by its path (tab to the box, type it, Enter)."""

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option


def bundled_scenarios() -> list[str]:
    from leadreview.exercise.loading import bundled_exercise_paths

    return [path.stem for path in bundled_exercise_paths()]


class ScenarioPickScreen(ModalScreen[str | None]):
    CSS_PATH = "scenario_pick.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="pick.cancel", tooltip="Start nothing"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="pick-box"):
            yield Static("Start an exercise from a scenario", id="pick-title")
            yield OptionList(
                *(Option(name, id=name) for name in bundled_scenarios()), id="pick-list"
            )
            yield Static("or your own scenario file (tab):", id="pick-file-label")
            yield Input(placeholder="path/to/scenario.yaml", id="pick-file")
            yield Static("Enter starts the highlighted scenario; Esc cancels", id="pick-hint")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        field = self.query_one("#pick-file", Input)
        field.cursor_blink = getattr(self.app, "cursor_blink", True)

    @on(Input.Submitted, "#pick-file")
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        # A wrong path is the start's own one-line error (the app's error dialog).
        if event.value.strip():
            self.dismiss(event.value.strip())

    @on(OptionList.OptionSelected, "#pick-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
