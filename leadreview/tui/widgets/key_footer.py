"""A footer whose key hints wrap onto more lines instead of running off the edge.

Textual's footer is one line that scrolls sideways: with the console's own keys and the
app's, a third of the hints were cut off at 120 columns and a facilitator never learned
that `x` closes the exercise. This one lays the same keys out on a grid with as many
columns as the widest hint allows at the current width, and grows a line when needed.
"""

from textual.app import ComposeResult
from textual.events import Resize
from textual.widgets import Footer

# Room the command palette's key takes, docked at the right of the first line.
_PALETTE_WIDTH = 12
# A hint is " key description " plus the space between hints.
_HINT_PADDING = 3


class KeyFooter(Footer):
    DEFAULT_CSS = """
    KeyFooter {
        layout: grid;
        height: auto;
        max-height: 4;
        grid-rows: 1;
        grid-gutter: 0;
    }
    KeyFooter FooterKey { width: 1fr; }
    KeyFooter FooterKey.-command-palette { width: auto; }
    """

    def compose(self) -> ComposeResult:
        yield from super().compose()
        # The footer sets one column per key as it composes; the fit comes after it.
        self._fit(self.app.size.width)

    def on_resize(self, event: Resize) -> None:
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        shown = [
            binding
            for (_, binding, _, _) in self.screen.active_bindings.values()
            if binding.show and binding.key != self.app.COMMAND_PALETTE_BINDING
        ]
        if not shown or width <= 0:
            return
        widest = max(
            len(self.app.get_key_display(b)) + len(b.description) + _HINT_PADDING for b in shown
        )
        columns = max(1, (width - _PALETTE_WIDTH) // widest)
        self.styles.grid_size_columns = min(columns, len(shown))
