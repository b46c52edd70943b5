"""The facilitator's console, inviting: issue a join code, list the invites, revoke one.

A base of `ConsoleScreen`, kept apart so that each file holds one idea. Issuing and
revoking are the exercise service's own audited writes (`exercise.invite_issued`,
`exercise.invite_revoked`), the same calls as `exercise invite` and `exercise
revoke-invite`, made in a worker thread. The code comes back once, is shown once in its
own modal, and is kept nowhere in the app.
"""

from textual import on, work
from textual.binding import Binding, BindingType

from leadreview.tui.messages import ConsoleDone, InviteIssued, InvitesLoaded
from leadreview.tui.read_models import ExerciseState
from leadreview.tui.screens.base import AppScreen
from leadreview.tui.screens.confirm import ConfirmScreen
from leadreview.tui.screens.invite_dialog import InviteDialog, InviteRequest
from leadreview.tui.screens.join_code import JoinCodeScreen
from leadreview.tui.widgets.invite_table import InviteTable

# In the console's own BINDINGS, after its other steps, so that the footer reads in order.
INVITE_BINDINGS: list[BindingType] = [
    Binding(
        "e",
        "invite",
        "Invite",
        id="console.invite",
        tooltip="Issue a participant a one-time join code (shown once)",
    ),
    Binding(
        "d",
        "revoke_invite",
        "Revoke",
        id="console.revoke_invite",
        tooltip="Revoke the highlighted invite's unused join code",
    ),
]


class ConsoleInvites(AppScreen):
    exercise: ExerciseState | None = None  # the console's own, as last read

    def action_invite(self) -> None:
        exercise = self.exercise
        if exercise is not None:
            dialog = InviteDialog(exercise.exercise_id)
            self.app.push_screen(dialog, lambda asked: self._asked(exercise.exercise_id, asked))

    def _asked(self, exercise_id: int, asked: InviteRequest | None) -> None:
        if asked is not None:
            self.issue_invite(exercise_id, asked)

    @work(thread=True, exit_on_error=False, group="console-invite")
    def issue_invite(self, exercise_id: int, asked: InviteRequest) -> None:
        app = self.lr_app
        invite = app.gateway.issue_invite(
            app.actor, exercise_id, asked.name, asked.role, asked.expires
        )
        self.post_message(InviteIssued(invite))

    @on(InviteIssued)
    def _issued(self, message: InviteIssued) -> None:
        self.app.push_screen(JoinCodeScreen(message.invite))
        self.load_invites(message.invite.exercise_id)

    @work(thread=True, exclusive=True, group="console-invites", exit_on_error=False)
    def load_invites(self, exercise_id: int) -> None:
        app = self.lr_app
        self.post_message(
            InvitesLoaded(exercise_id, app.gateway.list_invites(app.actor, exercise_id))
        )

    @on(InvitesLoaded)
    def _invites_loaded(self, message: InvitesLoaded) -> None:
        if self.exercise is not None and self.exercise.exercise_id == message.exercise_id:
            self.query_one(InviteTable).fill(message.invites)

    def action_revoke_invite(self) -> None:
        exercise = self.exercise
        invite_id = self.query_one(InviteTable).highlighted_invite()
        if exercise is None or invite_id is None:
            return
        question = ConfirmScreen(
            f"Revoke invite {invite_id}?",
            "Its join code will sign nobody in; a code already used stays used. Recorded "
            "as exercise.invite_revoked.",
            yes="Revoke",
        )
        self.app.push_screen(
            question, lambda yes: self._revoke(exercise.exercise_id, invite_id, yes)
        )

    def _revoke(self, exercise_id: int, invite_id: int, yes: bool | None) -> None:
        if yes:
            self.revoke_invite(exercise_id, invite_id)

    @work(thread=True, exit_on_error=False, group="console-invite")
    def revoke_invite(self, exercise_id: int, invite_id: int) -> None:
        app = self.lr_app
        done = app.gateway.revoke_invite(app.actor, exercise_id, invite_id)
        self.post_message(
            ConsoleDone(
                f"Invite {invite_id} " + ("revoked" if done else "was already used or revoked")
            )
        )
