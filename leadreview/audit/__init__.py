"""The accountability audit log: hash-chained, append-only, verifiable offline.

- `AuditLog().append(session, actor=…, role=…, event_type=…, payload={…})` seals an event
  inside the caller's transaction (see `leadreview.store.Store.transaction`).
- `service.verify_store` / `service.verify_with_context` walk the chain and name every break.
- `service.make_checkpoint` signs the Merkle root (C2SP tlog-checkpoint, Ed25519) after a
  consistency proof against the last checkpoint signed; `service.prove_inclusion` /
  `prove_consistency` give RFC 9162 proofs (merkle.py, tree_store.py, proofs.py).
- `tiles.py` writes and reads C2SP tlog-tiles; `witness.py` is a C2SP tlog-witness.
- `export.export_log` / `export.verify_export` write and check offline exports.

Nothing here imports Textual or typer; nothing connects at import time.
"""

from leadreview.audit.canonical import EncodingRefusedError
from leadreview.audit.log import AuditLog
from leadreview.audit.models import AuditEvent, NewEvent

__all__ = ["AuditEvent", "AuditLog", "EncodingRefusedError", "NewEvent"]
