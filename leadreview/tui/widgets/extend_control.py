"""The console's extension: how many minutes `+` adds to the exercise's time limit.

A small input beside the board, not a fixed step: a facilitator who needs twelve more
minutes types 12 once instead of guessing at repeated presses. The value is bounded here,
where it is typed, so a slip (500 for 50) is refused on screen with its reason before
anything is recorded; the service keeps its own wider bound for the CLI.
"""

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.validation import Integer
from textual.widgets import Input, Static

DEFAULT_EXTEND_MINUTES = 5
# An exercise that needs more than four more hours is a new exercise, not a correction.
MAX_EXTEND_MINUTES = 240
_BOUNDS = Integer(minimum=1, maximum=MAX_EXTEND_MINUTES)


class ExtendControl(Horizontal):
    DEFAULT_CSS = """
    ExtendControl { height: 1; padding: 0 1; }
    ExtendControl > Static { width: auto; }
    ExtendControl > Input, ExtendControl > Input:focus {
        width: 7; height: 1; border: none; padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static("Extend the time limit by ")
        yield Input(
            str(DEFAULT_EXTEND_MINUTES),
            type="integer",
            max_length=3,
            validators=[_BOUNDS],
            id="extend-minutes",
            tooltip=f"Whole minutes, 1 to {MAX_EXTEND_MINUTES}",
        )
        yield Static(" min (+ to change; Enter adds them, Esc leaves)", markup=False)

    def on_mount(self) -> None:
        # Tests and snapshots turn blinking off app-wide; an Input has its own switch.
        field = self.query_one("#extend-minutes", Input)
        field.cursor_blink = getattr(self.app, "cursor_blink", True)

    def minutes(self) -> int | None:
        """The minutes typed, or None when they are outside the bounds (or not a number)."""
        typed = self.query_one("#extend-minutes", Input).value
        return int(typed) if _BOUNDS.validate(typed).is_valid else None


def refusal() -> str:
    return f"Extend by: give whole minutes from 1 to {MAX_EXTEND_MINUTES}"
