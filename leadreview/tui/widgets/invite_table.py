"""The exercise's invites on the facilitator's console: who, in which role, until when,
and whether the code was used or revoked. Never the code: nobody holds it any more."""

from collections.abc import Sequence
from typing import TYPE_CHECKING

from leadreview.tui.widgets.nav_table import NavTable

if TYPE_CHECKING:
    from leadreview.exercise.invites import InviteStatus

INVITE_COLUMNS = ("invite", "name", "role", "expires", "state")


def invite_state(invite: "InviteStatus") -> str:
    if invite.used_at is not None:
        return f"used {invite.used_at:%H:%M:%S}"
    if invite.revoked_at is not None:
        return f"revoked {invite.revoked_at:%H:%M:%S}"
    if invite.expired:
        return "expired"
    return "outstanding"


class InviteTable(NavTable):
    def fill(self, invites: Sequence["InviteStatus"]) -> None:
        self.refill(
            INVITE_COLUMNS,
            [
                (
                    str(invite.invite_id),
                    (
                        str(invite.invite_id),
                        invite.name,
                        invite.role.value,
                        f"{invite.expires_at:%Y-%m-%d %H:%M} UTC" if invite.expires_at else "never",
                        invite_state(invite),
                    ),
                )
                for invite in invites
            ],
        )

    def highlighted_invite(self) -> int | None:
        if self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return int(key) if key is not None else None
