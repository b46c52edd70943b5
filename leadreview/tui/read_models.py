"""Frozen read models the UI needs beyond the workflow's own (`workflow/views.py`).

Cases, leads and decisions come straight from the workflow's views; these cover the
audit screen's query and verification status, the exercise the debrief is about and the
report it writes (the debrief itself is the exercise's own, `exercise/debrief.py`).
Plain values only: no ORM rows, no sessions, safe to pass between threads.
"""

from pydantic import BaseModel, ConfigDict

_FROZEN = ConfigDict(frozen=True)


class EventFilter(BaseModel):
    model_config = _FROZEN

    event_type: str | None = None
    actor: str | None = None
    text: str | None = None
    limit: int = 1000


class AuditVerification(BaseModel):
    model_config = _FROZEN

    ok: bool
    event_count: int
    head_seq: int
    head_digest: str
    first_bad_seq: int | None = None
    lines: tuple[str, ...] = ()  # what `audit verify` prints: every break named


class ExerciseState(BaseModel):
    """The exercise the debrief is about: the newest one not yet closed."""

    model_config = _FROZEN

    exercise_id: int
    title: str
    status: str  # running, revealed, closed

    @property
    def revealed(self) -> bool:
        return self.status in ("revealed", "closed")


class WrittenReport(BaseModel):
    """A report file written and put on record (`report.generated`, with its SHA-256)."""

    model_config = _FROZEN

    path: str
    sha256: str
    kind: str  # "exercise debrief" or "audit report"
    event_seq: int
