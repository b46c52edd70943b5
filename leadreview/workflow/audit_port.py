"""What the workflow needs of the audit log, and the names of the events it writes.

The audit package's `AuditLog` satisfies `AuditAppender` structurally; the workflow
only appends, always inside the caller's transaction (an ORM session, or a
`Store.writing()` unit for the hot small writes), so an event commits together
with the rows it describes or not at all.
"""

from collections.abc import Sequence
from enum import StrEnum
from typing import Any, Protocol

from sqlmodel import Session

from leadreview.audit.models import NewEvent
from leadreview.store.unit import WriteUnit


class AuditAppender(Protocol):
    """`leadreview.audit.log.AuditLog` is one."""

    def append(
        self,
        session: Session | WriteUnit,
        *,
        actor: str,
        role: str,
        event_type: str,
        payload: dict[str, Any],
    ) -> Any: ...

    def append_many(self, session: Session | WriteUnit, events: Sequence[NewEvent]) -> Any: ...


class EventType(StrEnum):
    REVIEWER_REGISTERED = "reviewer.registered"
    CASE_OPENED = "case.opened"
    SEARCH_RECORDED = "search.recorded"
    # A search the backend refused or could not answer (throttled past our retries, access
    # denied, no such collection, an image it rejects): attempted searches are on record too.
    SEARCH_FAILED = "search.failed"
    LEAD_DECIDED = "lead.decided"
    ENFORCEMENT_GRANTED = "enforcement.granted"
    ENFORCEMENT_REFUSED = "enforcement.refused"
    PERMISSION_REFUSED = "permission.refused"
    # Someone was shown ground truth outside an exercise's reveal (the facilitator only).
    TRUTH_VIEWED = "truth.viewed"
    BATCH_RECORDED = "batch.recorded"
    # Closes a `compare --record` run: its batch runs and simulated reviewers' models.
    COMPARISON_RECORDED = "comparison.recorded"
    # An audit report was produced: auditors' reads of the log are on record too.
    REPORT_GENERATED = "report.generated"
    # A served session ended because nobody pressed a key or clicked for too long.
    SESSION_TIMED_OUT = "session.timed_out"
