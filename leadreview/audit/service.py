"""Verification, checkpoints and the signing key: what the CLI and the terminal app call.

The functions take what they need (a store, a key path, a directory) rather than reading
settings; the composition root builds the `AuditContext` (`Application.audit_context`).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from leadreview.audit.checkpoint import Checkpoint, CheckpointError, open_checkpoint
from leadreview.audit.checkpoint_store import CheckpointStore, StoredCheckpoint
from leadreview.audit.keys import load_or_create_signer, load_signer
from leadreview.audit.log import AuditLog
from leadreview.audit.note import Signer, Verifier
from leadreview.audit.stream import stream_rows
from leadreview.audit.verify import Break, BreakKind, VerifyReport, walk
from leadreview.store.store import Store


@dataclass(frozen=True)
class AuditContext:
    """Where this installation keeps its signing key and the checkpoints it has seen."""

    key_path: Path
    checkpoint_dir: Path
    origin: str

    def signer(self) -> Signer:
        """The signing key, created (0600) on first use."""
        return load_or_create_signer(self.key_path, self.origin)[0]

    def known_verifiers(self, extra: Sequence[Verifier] = ()) -> list[Verifier]:
        verifiers = list(extra)
        if self.key_path.exists():
            verifiers.append(load_signer(self.key_path).verifier())
        return verifiers

    def checkpoint_store(self, extra: Sequence[Verifier] = ()) -> CheckpointStore:
        return CheckpointStore(self.checkpoint_dir, self.known_verifiers(extra))


def make_checkpoint(store: Store, context: AuditContext) -> StoredCheckpoint:
    """Sign the current head and record it; refuses if the log shrank or forked since
    the last checkpoint seen (CheckpointRollbackError)."""
    signer = context.signer()
    with store.reading() as session:
        size, digest = AuditLog.head(session)
    signed = Checkpoint.of_head(context.origin, size, digest).sign(signer)
    return context.checkpoint_store([signer.verifier()]).add(signed)


def load_checkpoint_files(
    files: Sequence[Path], verifiers: Sequence[Verifier]
) -> tuple[list[Checkpoint], list[Break]]:
    """Open each file; a bad or unverifiable one becomes a break, not an exception."""
    checkpoints: list[Checkpoint] = []
    breaks: list[Break] = []
    for path in files:
        try:
            signed = path.read_text(encoding="utf-8")
            checkpoints.append(open_checkpoint(signed, verifiers))
        except (OSError, UnicodeDecodeError, CheckpointError) as exc:
            breaks.append(Break(0, BreakKind.BAD_CHECKPOINT, f"{path}: {exc}"))
    return checkpoints, breaks


def verify_store(
    store: Store, checkpoints: Sequence[Checkpoint] = (), chunk_rows: int | None = None
) -> VerifyReport:
    chunks = stream_rows(store) if chunk_rows is None else stream_rows(store, chunk_rows)
    return walk(store.url, chunks, checkpoints)


def verify_with_context(
    store: Store,
    context: AuditContext,
    checkpoint_files: Sequence[Path] = (),
    extra_keys: Sequence[Verifier] = (),
) -> VerifyReport:
    """The chain, plus every checkpoint this installation has seen and any given."""
    verifiers = context.known_verifiers(extra_keys)
    checkpoints, breaks = load_checkpoint_files(checkpoint_files, verifiers)
    seen, seen_breaks = load_checkpoint_files(_stored_files(context.checkpoint_dir), verifiers)
    # The same checkpoint may be both stored and given; check it once.
    report = verify_store(store, list(dict.fromkeys([*seen, *checkpoints])))
    report.breaks.extend(breaks + seen_breaks)
    return report


def _stored_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("checkpoint-*.txt")) if directory.is_dir() else []
