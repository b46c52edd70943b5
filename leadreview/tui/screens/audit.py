"""The audit log: events, filters, and whether the chain verifies."""

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Input, Static

from leadreview.tui.messages import AuditExported, AuditVerified, EventsLoaded
from leadreview.tui.read_models import EventFilter
from leadreview.tui.screens.base import AppScreen
from leadreview.tui.widgets.nav_table import NavTable

if TYPE_CHECKING:
    from leadreview.audit.models import AuditEvent

SUMMARY_WIDTH = 50


def event_summary(event: "AuditEvent") -> str:
    """The payload on one line, the way a reader scans it."""
    text = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in event.payload.items())
    return text if len(text) <= SUMMARY_WIDTH else text[: SUMMARY_WIDTH - 1] + "…"


class AuditScreen(AppScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("v", "verify", "Verify", id="audit.verify", tooltip="Walk the hash chain"),
        Binding("x", "export", "Export", id="audit.export", tooltip="Export the log as JSONL"),
        Binding("r", "refresh", "Refresh", id="audit.refresh", tooltip="Reload the events"),
        Binding("slash", "filter", "Filter", id="audit.filter", tooltip="Filter the events"),
        Binding("escape,h", "back", "Back", id="audit.back", tooltip="Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.events: dict[int, AuditEvent] = {}
        self.query_filter = EventFilter()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Audit log", classes="screen-title")
        yield Static("… not verified yet (press v)", id="verify-status")
        with Horizontal(id="audit-filters"):
            yield Input(placeholder="event type, e.g. lead.decided", id="filter-type")
            yield Input(placeholder="actor", id="filter-actor")
            yield Input(placeholder="text in payload", id="filter-text")
        yield NavTable(id="event-table")
        yield Static("", id="event-payload", classes="facts", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#event-table", NavTable)
        for label, key in (
            ("seq", "seq"),
            ("time (UTC)", "time"),
            ("actor", "actor"),
            ("role", "role"),
            ("event", "type"),
            ("payload", "payload"),
        ):
            table.add_column(label, key=key)
        table.focus()
        for field in self.query(Input):
            field.cursor_blink = self.lr_app.cursor_blink
        self.load_events()
        self.verify()

    @work(thread=True, exclusive=True, group="audit-load", exit_on_error=False)
    def load_events(self) -> None:
        app = self.lr_app
        self.post_message(EventsLoaded(app.gateway.list_events(app.actor, self.query_filter)))

    @work(thread=True, exclusive=True, group="audit-verify", exit_on_error=False)
    def verify(self) -> None:
        app = self.lr_app
        self.post_message(AuditVerified(app.gateway.verify_audit(app.actor)))

    @work(thread=True, exit_on_error=False, group="audit-export")
    def export(self, fmt: str) -> None:
        app = self.lr_app
        self.post_message(AuditExported(app.gateway.export_audit(app.actor, fmt)))

    @on(EventsLoaded)
    def show_events(self, message: EventsLoaded) -> None:
        self.events = {event.seq: event for event in message.events}
        table = self.query_one("#event-table", NavTable)
        table.clear()
        for event in message.events:
            table.add_row(*self._cells(event), key=str(event.seq))
        self._show_payload()

    @staticmethod
    def _cells(event: "AuditEvent") -> Sequence[str]:
        return (
            str(event.seq),
            event.time.strftime("%Y-%m-%d %H:%M:%S"),
            event.actor,
            event.role,
            event.event_type,
            event_summary(event),
        )

    @on(AuditVerified)
    def show_verification(self, message: AuditVerified) -> None:
        message.stop()  # shown here; the app's notification is for other screens
        result = message.result
        if result.ok:
            text = (
                f"✔ verified: {result.event_count} events, head seq {result.head_seq}, "
                f"digest {result.head_digest[:16]}…"
            )
        else:
            text = f"✖ FAILED at seq {result.first_bad_seq}: " + " | ".join(result.lines[1:4])
        status = self.query_one("#verify-status", Static)
        status.update(text)
        status.set_class(not result.ok, "failed")

    @on(AuditExported)
    def show_export(self, message: AuditExported) -> None:
        message.stop()
        self.notify(f"Audit log exported to {message.where}")

    @on(DataTable.RowHighlighted, "#event-table")
    def _event_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_payload()

    def _show_payload(self) -> None:
        table = self.query_one("#event-table", NavTable)
        payload = self.query_one("#event-payload", Static)
        if table.row_count == 0:
            payload.update("no events match")
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        event = self.events.get(int(key)) if key is not None else None
        if event is not None:
            payload.update(
                f"seq {event.seq} digest {event.digest[:16]}… prev {event.prev_digest[:16]}…\n"
                f"{event.payload_json}"
            )

    @on(Input.Submitted)
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()

        def value(widget_id: str) -> str | None:
            return self.query_one(widget_id, Input).value.strip() or None

        self.query_filter = EventFilter(
            event_type=value("#filter-type"),
            actor=value("#filter-actor"),
            text=value("#filter-text"),
        )
        self.query_one("#event-table", NavTable).focus()
        self.load_events()

    def action_filter(self) -> None:
        self.query_one("#filter-type", Input).focus()

    def action_verify(self) -> None:
        self.query_one("#verify-status", Static).update("… verifying")
        self.verify()

    def action_export(self) -> None:
        self.export("jsonl")

    def action_refresh(self) -> None:
        self.load_events()

    def action_back(self) -> None:
        if isinstance(self.focused, Input):
            self.query_one("#event-table", NavTable).focus()
            return
        self.app.pop_screen()
