"""The log side of the working-row checks (P15): the events that recorded each working
row, indexed by row, and how a disagreement is reported. The checks themselves are in
`row_checks.py`."""

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import Session

from leadreview.audit.models import ROW_COLUMNS, AuditEvent
from leadreview.store.tables.audit import AUDIT_EVENT_TABLE
from leadreview.workflow.audit_port import EventType
from leadreview.workflow.sql import table_of


@dataclass(frozen=True)
class Disagreement:
    """One working row (or policy file) that is not what the log recorded."""

    table: str
    key: str
    detail: str
    policy_file: bool = False

    def line(self) -> str:
        return f"{self.table} {self.key}: {self.detail}"


@dataclass
class _Recorded:
    """What the log says, indexed by row id."""

    cases: dict[int, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    searches: dict[int, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    leads: dict[int, tuple[int, dict[str, Any], dict[str, Any]]] = field(default_factory=dict)
    decisions: dict[int, tuple[AuditEvent, dict[str, Any]]] = field(default_factory=dict)
    lead_decisions: dict[int, list[dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    requests: dict[int, tuple[AuditEvent, dict[str, Any]]] = field(default_factory=dict)


_TYPES = (
    EventType.CASE_OPENED,
    EventType.SEARCH_RECORDED,
    EventType.LEAD_DECIDED,
    EventType.ENFORCEMENT_GRANTED,
    EventType.ENFORCEMENT_REFUSED,
)


def events_of(session: Session, types: Iterable[str]) -> Iterator[AuditEvent]:
    table = AUDIT_EVENT_TABLE
    query = (
        sa.select(*(table.c[name] for name in ROW_COLUMNS))
        .where(table.c.event_type.in_(list(types)))
        .order_by(table.c.seq)
    )
    for row in session.execute(query):
        yield AuditEvent.from_raw(tuple(row))


def _recorded(events: Iterable[AuditEvent]) -> _Recorded:
    found = _Recorded()
    for event in events:
        try:
            _index(found, event)
        except (ValueError, KeyError, TypeError, AttributeError):
            # A payload that does not describe a row (hand-written, or tampered with:
            # the chain check names that) creates no expectations here.
            continue
    return found


def _index(found: _Recorded, event: AuditEvent) -> None:
    payload: dict[str, Any] = json.loads(event.payload_json)
    kind = event.event_type
    if kind == EventType.CASE_OPENED.value:
        found.cases[int(payload["case_id"])] = (event.seq, payload)
    elif kind == EventType.SEARCH_RECORDED.value:
        leads = {int(lead["lead_id"]): lead for lead in payload.get("leads", [])}
        found.searches[int(payload["search_id"])] = (event.seq, payload)
        for lead_id, lead in leads.items():
            found.leads[lead_id] = (event.seq, payload, lead)
    elif kind == EventType.LEAD_DECIDED.value:
        decision_id, lead_id = int(payload["decision_id"]), int(payload["lead_id"])
        found.decisions[decision_id] = (event, payload)
        found.lead_decisions[lead_id].append(payload)
    else:
        found.requests[int(payload["request_id"])] = (event, payload)


def _differ(
    out: list[Disagreement], table: str, key: object, seq: int, pairs: dict[str, tuple[Any, Any]]
) -> None:
    for name, (stored, recorded) in pairs.items():
        if stored != recorded:
            out.append(
                Disagreement(
                    table,
                    str(key),
                    f"{name} is {stored!r} but event {seq} recorded {recorded!r}",
                )
            )


def rows_of(session: Session, model: type[Any]) -> list[Any]:
    return list(session.execute(sa.select(table_of(model))).mappings())


def _missing(out: list[Disagreement], table: str, key: object, what: str) -> None:
    out.append(Disagreement(table, str(key), what))


Entry = TypeVar("Entry")


def matched(
    out: list[Disagreement],
    table: str,
    rows: Iterable[Any],
    recorded: Mapping[int, Entry],
    unrecorded: str,
    seq_of: Callable[[Entry], int],
    *,
    complete: bool = True,
) -> Iterator[tuple[Any, Entry]]:
    """Each row with the entry of the event that recorded it, for the caller to compare.
    A row no event recorded is reported with `unrecorded`; once the rows are consumed, so
    is every recorded row that is gone (unless `complete` is False: only some rows given)."""
    seen: set[int] = set()
    for row in rows:
        seen.add(row["id"])
        entry = recorded.get(row["id"])
        if entry is None:
            _missing(out, table, row["id"], unrecorded)
            continue
        yield row, entry
    if complete:
        for key in sorted(set(recorded) - seen):
            _missing(out, table, key, f"recorded by event {seq_of(recorded[key])} but gone")
