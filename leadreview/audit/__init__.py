"""The accountability audit log: hash-chained, append-only, verifiable offline.

- `AuditLog().append(session, actor=…, role=…, event_type=…, payload={…})` seals an event
  inside the caller's transaction (see `leadreview.store.Store.transaction`).
- `service.verify_store` / `service.verify_with_context` walk the chain and name every break.
- `service.make_checkpoint` signs the head (C2SP tlog-checkpoint, Ed25519).
- `export.export_log` / `export.verify_export` write and check offline exports.

Nothing here imports Textual or typer; nothing connects at import time.
"""

from leadreview.audit.canonical import EncodingRefusedError
from leadreview.audit.log import AuditLog
from leadreview.audit.models import AuditEvent, NewEvent

__all__ = ["AuditEvent", "AuditLog", "EncodingRefusedError", "NewEvent"]
