"""What this signer last signed for each log: kept beside the signing key, outside the
database and the data folder, so that neither rewriting the log nor deleting the data
folder's checkpoint copies lets `audit checkpoint` sign a history that contradicts it.

One file per origin, `<key file>.signed/<origin, percent-quoted>.txt`, holding the last
signed checkpoint; replaced atomically (write, fsync, rename).
"""

import os
from pathlib import Path
from urllib.parse import quote

from leadreview.audit.checkpoint import Checkpoint, CheckpointError, open_checkpoint
from leadreview.audit.note import Verifier
from leadreview.audit.verdict import Break, BreakKind, VerifyReport
from leadreview.errors import ConfigurationError


def state_dir(key_path: Path) -> Path:
    return key_path.parent / f"{key_path.name}.signed"


def has_signed_anything(key_path: Path) -> bool:
    directory = state_dir(key_path)
    return directory.is_dir() and any(directory.glob("*.txt"))


class SignedState:
    def __init__(self, key_path: Path, origin: str) -> None:
        self.path = state_dir(key_path) / f"{quote(origin, safe='')}.txt"
        self.origin = origin

    def exists(self) -> bool:
        return self.path.exists()

    def last(self, verifier: Verifier) -> Checkpoint | None:
        """The last checkpoint signed for this origin; a file that is not one (garbage,
        another key, another origin) is an error, never a fresh start."""
        try:
            signed = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigurationError(f"last signed checkpoint {self.path}: {_why(exc)}") from None
        try:
            return open_checkpoint(signed, [verifier], origin=self.origin)
        except CheckpointError as exc:
            raise ConfigurationError(f"last signed checkpoint {self.path}: {exc}") from None

    def remembered(self, verifiers: list[Verifier]) -> tuple[Checkpoint | None, Break | None]:
        """For `audit verify`: the last checkpoint signed for this origin, which the log
        must extend; a record that cannot be read or checked is a break, not a pass."""
        try:
            signed = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None, None
        except (OSError, UnicodeDecodeError) as exc:
            return None, self._unusable(_why(exc))
        try:
            return open_checkpoint(signed, verifiers, origin=self.origin), None
        except CheckpointError as exc:
            return None, self._unusable(str(exc))

    def _unusable(self, why: str) -> Break:
        return Break(
            0, BreakKind.BAD_CHECKPOINT, f"the record of what was signed {self.path}: {why}"
        )

    def name_in(self, report: VerifyReport, remembered: Checkpoint) -> None:
        """Say where the signed size a break refers to is remembered, so the reader knows
        the log contradicts what its own key signed, not merely a copy in the data folder."""
        where = f"(the last checkpoint signed, recorded in {self.path})"
        report.breaks[:] = [
            Break(b.seq, b.kind, f"{b.detail} {where}")
            if b.kind is BreakKind.NOT_EXTENSION and b.seq == remembered.size
            else b
            for b in report.breaks
        ]

    def save(self, signed: str) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            with temporary.open("w", encoding="utf-8") as handle:
                handle.write(signed)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except OSError as exc:
            raise ConfigurationError(f"last signed checkpoint {self.path}: {_why(exc)}") from None


def _why(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc)
