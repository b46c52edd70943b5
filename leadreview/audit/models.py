"""Read models and inputs of the audit log: plain frozen values, never ORM rows."""

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, JsonValue

from leadreview.audit.canonical import format_time, parse_time

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
)
RawRow = tuple[Any, ...]


@dataclass(frozen=True)
class NewEvent:
    """What a service asks to append; the log adds sequence, time and digests."""

    actor: str
    role: str
    event_type: str
    payload: dict[str, Any] = field(default_factory=dict)


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
        seq, time, actor, role, event_type, payload, prev_digest, digest = row
        return cls(
            seq=seq,
            time=parse_time(time),
            actor=actor,
            role=role,
            event_type=event_type,
            payload_json=payload,
            prev_digest=prev_digest,
            digest=digest,
        )
