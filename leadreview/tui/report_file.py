"""Writing a report file that the audit log knows about (no UI here).

As `leadreview report` does: the bytes are written aside, their SHA-256 recorded in the
log, and only then is the file put in place, so no report exists that the log does not
know about; a failed recording leaves no file behind.
"""

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from leadreview.io import atomic

if TYPE_CHECKING:
    from leadreview.audit.models import AuditEvent

# (sha256, destination name) -> the `report.generated` event
Recorder = Callable[[str, str], "AuditEvent"]


def fresh_path(directory: Path, stem: str, now: datetime | None = None) -> Path:
    """`directory/stem-YYYYmmddTHHMMSSZ.html`, suffixed so an earlier report is never
    replaced when two are written within the same second."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"{stem}-{stamp}.html"
    n = 1
    while path.exists():
        n += 1
        path = directory / f"{stem}-{stamp}-{n}.html"
    return path


def write_on_record(target: Path, html: str, record: Recorder) -> tuple[str, "AuditEvent"]:
    """Write `html` to `target` once `record` has put its SHA-256 on record."""
    data = html.encode("utf-8")
    event = atomic.write_on_record(target, data, lambda digest: record(digest, target.name))
    return hashlib.sha256(data).hexdigest(), event
