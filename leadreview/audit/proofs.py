"""Inclusion and consistency proofs as text an auditor can keep and check offline.

    leadreview-proof inclusion          |  leadreview-proof consistency
    origin <origin>                     |  origin <origin>
    size <tree size>                    |  old <size>
    index <0-based leaf index>          |  new <size>
    entry <base64 of the envelope bytes>|  <base64 hash>   (one per line, leaf to root)
    <base64 hash> (one per line)        |

Every line ends in a newline. An inclusion proof carries the event's envelope (the bytes
the leaf hashes), so the holder of the proof and a checkpoint needs nothing else.
(docs/audit-format.md, "Proofs".)
"""

import base64
import binascii
from dataclasses import dataclass

from leadreview.audit.checkpoint import Checkpoint
from leadreview.audit.merkle import (
    HASH_SIZE,
    ProofError,
    check_consistency,
    check_inclusion,
    leaf_hash,
)

MAX_PROOF_BYTES = 1 << 20
MAX_HASHES = 128


@dataclass(frozen=True)
class InclusionProof:
    origin: str
    size: int
    index: int
    entry: bytes
    hashes: tuple[bytes, ...]

    def text(self) -> str:
        lines = [
            "leadreview-proof inclusion",
            f"origin {self.origin}",
            f"size {self.size}",
            f"index {self.index}",
            f"entry {base64.b64encode(self.entry).decode()}",
            *(base64.b64encode(h).decode() for h in self.hashes),
        ]
        return "\n".join(lines) + "\n"

    def check(self, checkpoint: Checkpoint) -> None:
        _same_tree(self.origin, self.size, checkpoint)
        check_inclusion(
            self.index,
            self.size,
            leaf_hash(self.entry),
            self.hashes,
            bytes.fromhex(checkpoint.root_hex),
        )


@dataclass(frozen=True)
class ConsistencyProof:
    origin: str
    old: int
    new: int
    hashes: tuple[bytes, ...]

    def text(self) -> str:
        lines = [
            "leadreview-proof consistency",
            f"origin {self.origin}",
            f"old {self.old}",
            f"new {self.new}",
            *(base64.b64encode(h).decode() for h in self.hashes),
        ]
        return "\n".join(lines) + "\n"

    def hashes_list(self) -> list[bytes]:
        return list(self.hashes)

    def check(self, old: Checkpoint, new: Checkpoint) -> None:
        _same_tree(self.origin, self.old, old)
        _same_tree(self.origin, self.new, new)
        check_consistency(
            self.old,
            self.new,
            bytes.fromhex(old.root_hex),
            bytes.fromhex(new.root_hex),
            self.hashes,
        )


def _same_tree(origin: str, size: int, checkpoint: Checkpoint) -> None:
    if checkpoint.origin != origin:
        raise ProofError(f"the proof is for {origin!r}, the checkpoint for {checkpoint.origin!r}")
    if checkpoint.size != size:
        raise ProofError(f"the proof is for size {size}, the checkpoint for {checkpoint.size}")


def _field(line: str, name: str) -> str:
    prefix = f"{name} "
    if not line.startswith(prefix) or len(line) == len(prefix):
        raise ProofError(f"proof line {line[:40]!r} should be '{name} …'")
    return line[len(prefix) :]


def _number(line: str, name: str) -> int:
    value = _field(line, name)
    if not value.isascii() or not value.isdigit() or value != str(int(value)):
        raise ProofError(f"proof {name} {value[:40]!r} is not a decimal number")
    return int(value)


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ProofError(f"proof {what} is not base64") from None


def _hashes(lines: list[str]) -> tuple[bytes, ...]:
    if len(lines) > MAX_HASHES:
        raise ProofError("proof has too many hashes")
    hashes = tuple(_b64(line, "hash") for line in lines)
    if any(len(h) != HASH_SIZE for h in hashes):
        raise ProofError("a proof hash is not 32 bytes")
    return hashes


def parse_proof(data: bytes) -> InclusionProof | ConsistencyProof:
    """Read a proof file's bytes; ProofError (one line) for anything malformed."""
    if len(data) > MAX_PROOF_BYTES:
        raise ProofError("proof file is too large")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ProofError("proof file is not UTF-8 text") from None
    if not text.endswith("\n"):
        raise ProofError("proof file must end in a newline")
    lines = text[:-1].split("\n")
    if any(c < " " for line in lines for c in line):
        raise ProofError("proof file holds a control character")
    kind = lines[0]
    if kind == "leadreview-proof inclusion" and len(lines) >= 5:
        return InclusionProof(
            origin=_field(lines[1], "origin"),
            size=_number(lines[2], "size"),
            index=_number(lines[3], "index"),
            entry=_b64(_field(lines[4], "entry"), "entry"),
            hashes=_hashes(lines[5:]),
        )
    if kind == "leadreview-proof consistency" and len(lines) >= 4:
        return ConsistencyProof(
            origin=_field(lines[1], "origin"),
            old=_number(lines[2], "old"),
            new=_number(lines[3], "new"),
            hashes=_hashes(lines[4:]),
        )
    raise ProofError(
        "not a leadreview proof (first line: 'leadreview-proof inclusion|consistency')"
    )
