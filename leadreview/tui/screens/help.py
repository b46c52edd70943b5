"""Help built from the bindings live on the screen below: the focused widget's first, then
its ancestors', with the keys the user's keymap gave them."""

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from leadreview.tui.widgets.nav_table import NavTable


def binding_rows(screen: Screen[object]) -> list[tuple[str, str, str, str]]:
    """(keys, description, binding id, tooltip) for every binding active on `screen`."""
    by_id: dict[str, tuple[list[str], str, str, str]] = {}
    app = screen.app
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.system and binding.id is None:
            continue
        if binding.action.startswith("refused("):
            continue  # a key this role may not use: not offered, though refused on record
        ident = binding.id or binding.action
        keys, _, _, _ = by_id.setdefault(
            ident, ([], binding.description or binding.action, ident, active.tooltip)
        )
        display = app.get_key_display(Binding(key, binding.action))
        if display not in keys:
            keys.append(display)
    return [(" ".join(keys), d, i, t) for keys, d, i, t in by_id.values()]


class HelpScreen(ModalScreen[None]):
    """The keys in effect where the user was, and the id to remap each one."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close help", id="help.close"),
    ]

    def __init__(self, rows: list[tuple[str, str, str, str]], where: str) -> None:
        super().__init__()
        self._rows = rows
        self._where = where

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static(f"Keys on {self._where}", id="help-title")
            yield NavTable(id="help-table")
            yield Static(
                'Remap any key by its id in a [keymap] table: "lead.decide" = "x". Esc closes.',
                id="help-foot",
                markup=False,
            )

    def on_mount(self) -> None:
        table = self.query_one(NavTable)
        table.add_columns("keys", "does", "id", "more")
        table.add_rows(self._rows)
        table.focus()
