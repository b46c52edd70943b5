"""A row-cursor DataTable that also moves with j/k (and g/G), each key with an id."""

from collections.abc import Sequence
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable


class NavTable(DataTable[object]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="table.down", tooltip="Next row"),
        Binding("k", "cursor_up", "Up", show=False, id="table.up", tooltip="Previous row"),
        Binding("g", "scroll_top", "First", show=False, id="table.first", tooltip="First row"),
        Binding("G", "scroll_bottom", "Last", show=False, id="table.last", tooltip="Last row"),
    ]

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        # What `refill` last put in, so that an unchanged poll leaves the table alone.
        self._shown: tuple[tuple[str, ...], list[tuple[str | None, tuple[str, ...]]]] | None = None

    def refill(
        self, columns: tuple[str, ...], rows: Sequence[tuple[str | None, tuple[str, ...]]]
    ) -> None:
        """Show these (key, cells) rows under these columns, keeping the cursor's place;
        nothing is done when they are what the table already shows. Live views poll every
        few seconds: refilling an unchanged table made it flicker, and for a frame its
        columns were as narrow as their headings."""
        shown = (columns, list(rows))
        if shown == self._shown:
            return
        self._shown = shown
        row = self.cursor_row
        self.clear(columns=True)
        self.add_columns(*columns)
        for key, cells in rows:
            self.add_row(*cells, key=key)
        if self.row_count:
            self.move_cursor(row=min(row, self.row_count - 1), animate=False)
