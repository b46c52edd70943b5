"""Read models and inputs of the audit log: plain frozen values, never ORM rows."""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, overload

from pydantic import BaseModel, ConfigDict, JsonValue

from leadreview.audit.canonical import FORMAT_V1, format_time, parse_time

# The column order every reader of raw rows uses (database streams, exports).
ROW_COLUMNS = (
    "seq",
    "time",
    "actor",
    "role",
    "event_type",
    "payload",
    "prev_digest",
    "digest",
    # Format 2 (older rows read as format 1, with empty auth and login).
    "format",
    "auth",
    "login",
)
RawRow = tuple[Any, ...]


class NotUtf8(bytes):
    """What a text column of a row held when it was not UTF-8 (SQLite stores whatever
    bytes it is given): the walk names it as a break instead of failing to read it."""

    def __str__(self) -> str:
        return self.decode("utf-8", "backslashreplace")


@dataclass(frozen=True)
class NewEvent:
    """What a service asks to append; the log adds sequence, time and digests."""

    actor: str
    role: str
    event_type: str
    payload: dict[str, Any] = field(default_factory=dict)
    # How the actor was authenticated, when it is not the log's own way (e.g. the
    # exercise's clock releasing an inject: "system-clock").
    auth: str | None = None


class AuditEvent(BaseModel):
    """One sealed event as read from the log."""

    model_config = ConfigDict(frozen=True)

    seq: int
    time: datetime
    actor: str
    role: str
    event_type: str
    payload_json: str  # the canonical text, exactly as sealed
    prev_digest: str
    digest: str
    format: int = FORMAT_V1
    auth: str = ""  # how the actor was authenticated (format 2)
    login: str = ""  # the database (or OS) login that stored the event (format 2)

    @property
    def payload(self) -> dict[str, JsonValue]:
        """A fresh copy each time: the sealed text stays the single source of truth."""
        value: dict[str, JsonValue] = json.loads(self.payload_json)
        return value

    @property
    def time_text(self) -> str:
        return format_time(self.time)

    @classmethod
    def from_raw(cls, row: RawRow) -> "AuditEvent":
        seq, time, actor, role, event_type, payload, prev_digest, digest = row[:8]
        version, auth, login = row[8:11] if len(row) > 8 else (FORMAT_V1, "", "")
        return cls(
            seq=seq,
            time=parse_time(time),
            actor=actor,
            role=role,
            event_type=event_type,
            payload_json=payload,
            prev_digest=prev_digest,
            digest=digest,
            format=version,
            auth=auth or "",
            login=login or "",
        )


class SealedEvents(Sequence[AuditEvent]):
    """What an append sealed, as AuditEvents built only when read.

    Most callers (a decision, a batch of 200 verdict events) never look at what they
    appended; validating a model per row cost more than sealing and inserting it. The
    rows are the log's own (typed as the model declares), so they are constructed
    without validation."""

    __slots__ = ("_rows", "_time")

    def __init__(self, rows: Sequence[RawRow], time: datetime) -> None:
        self._rows = rows
        self._time = time

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> AuditEvent: ...

    @overload
    def __getitem__(self, index: slice) -> list[AuditEvent]: ...

    def __getitem__(self, index: int | slice) -> AuditEvent | list[AuditEvent]:
        if isinstance(index, slice):
            return [self._event(row) for row in self._rows[index]]
        return self._event(self._rows[index])

    def _event(self, row: RawRow) -> AuditEvent:
        seq, _, actor, role, event_type, payload, prev_digest, digest, version, auth, login = row
        return AuditEvent.model_construct(
            seq=seq,
            time=self._time,
            actor=actor,
            role=role,
            event_type=event_type,
            payload_json=payload,
            prev_digest=prev_digest,
            digest=digest,
            format=version,
            auth=auth,
            login=login,
        )
