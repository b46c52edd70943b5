"""Who is reviewing: asked first when the app is served to a room, so that every browser
session acts, and is audited, under its own reviewer's name."""

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from leadreview.domain.roles import Role

MAX_NAME = 120


class SignInScreen(ModalScreen[str]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Sign in", id="sign-in.submit", tooltip="Sign in"),
    ]

    def __init__(self, role: Role) -> None:
        super().__init__()
        self.role = role

    def compose(self) -> ComposeResult:
        with Vertical(id="sign-in-box"):
            yield Static(
                f"Who is reviewing? You act as a {self.role.value}; every decision is "
                "recorded in the audit log under the name you give.",
                id="sign-in-title",
            )
            yield Input(placeholder="your name", id="sign-in-name", max_length=MAX_NAME)
            yield Static("", id="sign-in-error")

    def on_mount(self) -> None:
        field = self.query_one("#sign-in-name", Input)
        field.cursor_blink = getattr(self.app, "cursor_blink", True)
        field.focus()

    def action_submit(self) -> None:
        name = " ".join(self.query_one("#sign-in-name", Input).value.split())
        if not name:
            self.query_one("#sign-in-error", Static).update("✖ A name is required.")
            return
        self.dismiss(name)

    @on(Input.Submitted, "#sign-in-name")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()
