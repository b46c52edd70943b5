"""Checkpoints in the C2SP tlog-checkpoint format (https://c2sp.org/tlog-checkpoint).

    <origin>\\n<tree size>\\n<base64 root hash>\\n   then a signed-note signature block.

Our log is a hash chain, not a Merkle tree: the "root hash" is the digest of the event
whose sequence number equals the tree size (32 zero bytes for an empty log). A later log
is an extension of a checkpoint when it still holds event `size` with exactly that
digest and the chain from 1 to the head verifies; that is what `verify` checks.
"""

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass

from leadreview.audit.canonical import GENESIS_DIGEST
from leadreview.audit.note import NoteError, Signer, Verifier, open_note, parse_note, sign_note


class CheckpointError(ValueError):
    """A checkpoint that cannot be used: malformed, badly signed, or a rollback."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root_hex: str

    @property
    def body(self) -> str:
        root = base64.b64encode(bytes.fromhex(self.root_hex)).decode()
        return f"{self.origin}\n{self.size}\n{root}\n"

    def sign(self, signer: Signer) -> str:
        return sign_note(self.body, signer)

    @classmethod
    def of_head(cls, origin: str, size: int, head_digest: str) -> "Checkpoint":
        return cls(origin, size, head_digest if size else GENESIS_DIGEST)

    @classmethod
    def parse_body(cls, text: str) -> "Checkpoint":
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise CheckpointError("checkpoint body must be origin, size, root hash lines")
        origin, size_text, root_b64 = lines[:3]
        # Extension lines (lines[3:-1]) are allowed by the format, but never empty; we
        # write none.
        if not origin.strip():
            raise CheckpointError("checkpoint origin line is empty")
        if any(not line for line in lines[3:-1]):
            raise CheckpointError("checkpoint has an empty extension line")
        if not size_text.isascii() or not size_text.isdigit() or size_text != str(int(size_text)):
            raise CheckpointError(f"checkpoint tree size {size_text!r} is not a decimal number")
        try:
            root = base64.b64decode(root_b64, validate=True)
        except (binascii.Error, ValueError):
            raise CheckpointError("checkpoint root hash is not base64") from None
        if len(root) != 32:
            raise CheckpointError("checkpoint root hash is not 32 bytes")
        return cls(origin, int(size_text), root.hex())


def open_checkpoint(
    signed: str, verifiers: Iterable[Verifier], *, origin: str | None = None
) -> Checkpoint:
    """Parse and check a signed checkpoint; raises CheckpointError saying why not."""
    try:
        note = open_note(signed, verifiers)
    except NoteError as exc:
        raise CheckpointError(str(exc)) from None
    checkpoint = Checkpoint.parse_body(note.text)
    if origin is not None and checkpoint.origin != origin:
        raise CheckpointError(
            f"checkpoint origin {checkpoint.origin!r} is not this log's origin {origin!r}"
        )
    return checkpoint


def read_unverified(signed: str) -> Checkpoint:
    """The checkpoint's claims without checking signatures (for listing only)."""
    try:
        text, _ = parse_note(signed)
    except NoteError as exc:
        raise CheckpointError(str(exc)) from None
    return Checkpoint.parse_body(text)
