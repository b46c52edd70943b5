"""Inviting a participant from the facilitator's console: a name, a role and how long
the code may wait to be used, as `exercise invite` takes them.

The dialog only collects them: the console asks the exercise service in a worker, which
checks the name and the facilitator and records `exercise.invite_issued`; what it
refuses comes back as one line in the app's error modal.
"""

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Select, Static

from leadreview.domain.roles import Role

# The roles a code may carry: the facilitator runs the exercise and needs none.
INVITABLE = (Role.REVIEWER, Role.INVESTIGATOR, Role.SUPERVISOR)


@dataclass(frozen=True)
class InviteRequest:
    name: str
    role: Role
    expires: str  # as typed, e.g. "2h"; the service's parser says what is wrong with it


class InviteDialog(ModalScreen[InviteRequest | None]):
    CSS_PATH = "invite_dialog.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="invite.cancel", tooltip="Issue no code"),
    ]

    def __init__(self, exercise_id: int) -> None:
        super().__init__()
        self.exercise_id = exercise_id

    def compose(self) -> ComposeResult:
        # Here, not at the top: the exercise package loads SQLAlchemy, which the app's
        # first paint does without.
        from leadreview.exercise.invites import DEFAULT_EXPIRY

        with Vertical(id="invite-box"):
            yield Static(f"Invite a participant — exercise #{self.exercise_id}", id="invite-title")
            with Horizontal(classes="invite-row"):
                yield Static("Name", classes="invite-label")
                yield Input(placeholder="as the log will show it", id="invite-name")
            with Horizontal(classes="invite-row"):
                yield Static("Role", classes="invite-label")
                yield Select(
                    [(role.value, role) for role in INVITABLE],
                    value=Role.REVIEWER,
                    allow_blank=False,
                    id="invite-role",
                )
            with Horizontal(classes="invite-row"):
                yield Static("Expires in", classes="invite-label")
                yield Input(DEFAULT_EXPIRY, placeholder="30m, 2h or 1d", id="invite-expires")
            yield Static(
                "Enter issues a one-time join code, shown once; Tab moves between the "
                "fields; Esc cancels",
                id="invite-hint",
            )

    def on_mount(self) -> None:
        self.query_one("#invite-name", Input).focus()

    def request(self) -> InviteRequest:
        role = self.query_one("#invite-role", Select).value
        return InviteRequest(
            name=self.query_one("#invite-name", Input).value,
            role=role if isinstance(role, Role) else Role.REVIEWER,
            expires=self.query_one("#invite-expires", Input).value,
        )

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(self.request())

    def action_cancel(self) -> None:
        self.dismiss(None)
