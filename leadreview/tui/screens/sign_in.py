"""Who is reviewing, proven: a session of a served room asks for the join code the
facilitator issued (`leadreview exercise invite`), never for a name. The code names the
participant and their role; every decision is then recorded under that name, with
`auth` `join-code`. A code that signs nobody in is refused here, and on record."""

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from leadreview.domain.roles import Actor

# A code is 32 hex digits in groups of four; room for spaces a person may type.
MAX_CODE = 64


class SignInScreen(ModalScreen[Actor]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Sign in", id="sign-in.submit", tooltip="Sign in"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="sign-in-box"):
            yield Static(
                "Sign in with the join code your facilitator gave you. It names you and "
                "your role; every decision is recorded in the audit log under that name.",
                id="sign-in-title",
            )
            yield Input(
                placeholder="join code", id="sign-in-code", max_length=MAX_CODE, password=True
            )
            yield Static("", id="sign-in-error")

    def on_mount(self) -> None:
        field = self.query_one("#sign-in-code", Input)
        field.cursor_blink = getattr(self.app, "cursor_blink", True)
        field.focus()

    def action_submit(self) -> None:
        code = self.query_one("#sign-in-code", Input).value.strip()
        if not code:
            self.query_one("#sign-in-error", Static).update("✖ A join code is required.")
            return
        self.query_one("#sign-in-error", Static).update("Checking…")
        self._redeem(code)

    @work(thread=True, exclusive=True)
    def _redeem(self, code: str) -> None:
        from leadreview.errors import PermissionRefused
        from leadreview.tui.app import LeadReviewApp

        app = self.app
        assert isinstance(app, LeadReviewApp)
        try:
            actor = app.gateway.sign_in(code)
        except PermissionRefused as exc:
            self.app.call_from_thread(self._refused, str(exc))
            return
        self.app.call_from_thread(self.dismiss, actor)

    def _refused(self, reason: str) -> None:
        self.query_one("#sign-in-code", Input).value = ""
        self.query_one("#sign-in-error", Static).update(f"✖ {reason}")

    @on(Input.Submitted, "#sign-in-code")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()
