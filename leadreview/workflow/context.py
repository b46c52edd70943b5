"""The dependencies every workflow service shares, made once by the caller and passed in."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from leadreview.store.store import Store
from leadreview.workflow.audit_port import AuditAppender


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class WorkflowContext:
    store: Store
    audit: AuditAppender
    clock: Callable[[], datetime] = field(default=utc_now)
