"""The checkpoints this installation has issued or seen, one file each, in a directory.

It refuses to record a checkpoint smaller than one already seen (a rollback) or one of the
same size with a different root (a fork): either means the log lost or rewrote history.
"""

from dataclasses import dataclass
from pathlib import Path

from leadreview.audit.checkpoint import Checkpoint, CheckpointError, open_checkpoint
from leadreview.audit.note import Verifier


class CheckpointRollbackError(CheckpointError):
    """A checkpoint that goes back on one already seen."""


@dataclass(frozen=True)
class StoredCheckpoint:
    path: Path
    signed: str
    checkpoint: Checkpoint


class CheckpointStore:
    def __init__(self, directory: Path, verifiers: list[Verifier], origin: str) -> None:
        self.directory = directory
        self._verifiers = verifiers
        self.origin = origin

    def all(self) -> list[StoredCheckpoint]:
        """Every stored checkpoint, smallest first; raises CheckpointError naming a bad file."""
        if not self.directory.is_dir():
            return []
        found: list[StoredCheckpoint] = []
        for path in sorted(self.directory.glob("checkpoint-*.txt")):
            try:
                signed = path.read_text(encoding="utf-8")
                checkpoint = open_checkpoint(signed, self._verifiers, origin=self.origin)
            except UnicodeDecodeError:
                raise CheckpointError(f"{path}: not UTF-8 text") from None
            except OSError as exc:
                raise CheckpointError(f"{path}: {exc.strerror or exc}") from None
            except CheckpointError as exc:
                raise CheckpointError(f"{path}: {exc}") from None
            found.append(StoredCheckpoint(path, signed, checkpoint))
        return sorted(found, key=lambda s: s.checkpoint.size)

    def latest(self) -> StoredCheckpoint | None:
        stored = self.all()
        return stored[-1] if stored else None

    def check_consistent(self, checkpoint: Checkpoint) -> None:
        latest = self.latest()
        if latest is None:
            return
        seen = latest.checkpoint
        if checkpoint.size < seen.size:
            raise CheckpointRollbackError(
                f"checkpoint of size {checkpoint.size} is smaller than size {seen.size} "
                f"already seen ({latest.path.name}): the log was truncated"
            )
        if checkpoint.size == seen.size and checkpoint.root_hex != seen.root_hex:
            raise CheckpointRollbackError(
                f"checkpoint of size {checkpoint.size} has a different root than "
                f"{latest.path.name}: the log was rewritten"
            )

    def add(self, signed: str) -> StoredCheckpoint:
        checkpoint = open_checkpoint(signed, self._verifiers, origin=self.origin)
        latest = self.latest()
        if latest is not None and checkpoint.size < latest.checkpoint.size:
            # An older size, already proven consistent by the signer: keep it beside.
            path = self.directory / f"checkpoint-{checkpoint.size:012d}.txt"
            path.write_text(signed, encoding="utf-8")
            return StoredCheckpoint(path, signed, checkpoint)
        self.check_consistent(checkpoint)
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"checkpoint-{checkpoint.size:012d}.txt"
        path.write_text(signed, encoding="utf-8")
        return StoredCheckpoint(path, signed, checkpoint)
