"""A join code, shown once: the only time anyone sees it.

The database keeps only the code's SHA-256 (`exercise/invites.py`), and nothing in the
app keeps the code after this modal closes, so the facilitator copies it or reads it out
now; an invite whose code was lost is revoked from the console and issued again.
"""

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

if TYPE_CHECKING:
    from leadreview.exercise.invites import Invite

SIGN_IN_HINT = (
    "Shown only now: c copies it. The participant opens the served app (leadreview serve) in a "
    "browser and types this code at its sign-in screen: it signs them in once, as the "
    "name and role above."
)


class JoinCodeScreen(ModalScreen[None]):
    CSS_PATH = "join_code.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "copy", "Copy", id="joincode.copy", tooltip="Copy the code"),
        Binding("escape,enter", "close", "Close", id="joincode.close", tooltip="Forget it"),
    ]

    def __init__(self, invite: "Invite") -> None:
        super().__init__()
        self._code = invite.code
        until = f"{invite.expires_at:%Y-%m-%d %H:%M} UTC" if invite.expires_at else "never"
        self._about = (
            f"Invite {invite.invite_id}: {invite.name} as {invite.role.value} in exercise "
            f"#{invite.exercise_id}, once, until {until}"
        )

    def compose(self) -> ComposeResult:
        with Vertical(id="join-code-box"):
            yield Static("Join code", id="join-code-title")
            yield Static(self._about, id="join-code-about", markup=False)
            yield Static(self._code, id="join-code", markup=False)
            yield Static(SIGN_IN_HINT, id="join-code-hint", markup=False)
            yield Button("Close (Enter)", id="join-code-close", variant="primary")

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self._code)
        self.notify("Join code copied to the clipboard")

    def action_close(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)
