"""A row-cursor DataTable that also moves with j/k (and g/G), each key with an id."""

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
