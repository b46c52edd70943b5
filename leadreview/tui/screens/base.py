"""What every screen with workers shares: the typed app, and failed workers reported."""

from typing import TYPE_CHECKING

from textual.screen import Screen
from textual.worker import Worker

if TYPE_CHECKING:
    from leadreview.tui.app import LeadReviewApp


class AppScreen(Screen[None]):
    @property
    def lr_app(self) -> "LeadReviewApp":
        return self.app  # type: ignore[return-value]

    def live_refresh(self) -> None:
        """Something was recorded since this screen last loaded: read it again, keeping
        the reader's place. Screens that show shared state override this."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Worker state messages do not bubble: hand failures to the app's error modal.
        self.lr_app.on_worker_state_changed(event)
