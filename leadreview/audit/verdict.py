"""What a verification found: each break named (CloudTrail-validation style) and the
report every verifier returns (the log's own walk in verify.py, exports, tiles, archives,
checkpoints and witnesses), with the lines and headline a user reads."""

from dataclasses import dataclass, field
from enum import StrEnum

from leadreview.audit.canonical import GENESIS_DIGEST


class BreakKind(StrEnum):
    DIGEST_MISMATCH = "digest mismatch"
    REORDERED = "reordered"
    BROKEN_LINK = "broken link"
    MISSING = "missing"
    OUT_OF_ORDER = "out of order"
    MALFORMED = "malformed"
    NOT_EXTENSION = "not an extension of checkpoint"
    BAD_CHECKPOINT = "bad checkpoint"
    TREE_MISMATCH = "merkle tree mismatch"
    # Not about an event: a working row or policy file that disagrees with the log (P15).
    ROW_DISAGREES = "disagrees with the log"
    POLICY_FILE_CHANGED = "policy file edited after its verdicts"


@dataclass(frozen=True)
class Break:
    seq: int
    kind: BreakKind
    detail: str

    def line(self) -> str:
        if self.seq <= 0:  # not about one event (e.g. a checkpoint file that fails)
            return f"{self.kind}: {self.detail}"
        return f"seq {self.seq}: {self.kind}: {self.detail}"


@dataclass
class VerifyReport:
    source: str
    events: int = 0
    head_seq: int = 0
    head_digest: str = GENESIS_DIGEST
    root_hex: str = ""  # the RFC 6962 root recomputed from the events
    leaves_sha256: str = ""  # SHA-256 over every recomputed leaf hash, in order
    checkpoints: int = 0
    breaks: list[Break] = field(default_factory=list)
    # The newest signed checkpoint of the source (where it is, its text): the one whose
    # witness cosignatures `--quorum` counts.
    newest_checkpoint: tuple[str, str] | None = None
    truncated_to: int = 0  # the largest signed size beyond the log's end, if any

    @property
    def ok(self) -> bool:
        return not self.breaks

    @property
    def first_bad_seq(self) -> int | None:
        return min(self.bad_seqs, default=None)

    @property
    def bad_seqs(self) -> list[int]:
        return sorted({b.seq for b in self.breaks if b.seq > 0})

    def lines(self) -> list[str]:
        if self.ok:
            return [
                f"ok: {self.source}: {self.events} events verified, head seq {self.head_seq} "
                f"digest {self.head_digest}, merkle root {self.root_hex}, "
                f"{self.checkpoints} checkpoint(s) extended"
            ]
        out = [f"FAILED: {self.source}: {self.headline()}"]
        out += [b.line() for b in sorted(self.breaks, key=lambda b: b.seq)]
        return out

    def headline(self) -> str:
        """What is wrong, first: a shortened log has no bad event; what is gone is wrong."""
        if self.truncated_to > self.events:
            signed = f"{self.events} event(s), but {self.truncated_to} were signed"
            return f"the log was truncated: it holds {signed}"
        if self.bad_seqs:
            first = f"first bad sequence number: {self.first_bad_seq}"
            return f"{len(self.bad_seqs)} bad sequence number(s); {first}"
        first_kind = min(self.breaks, key=lambda b: b.seq).kind
        return f"{len(self.breaks)} problem(s) not in any one event; first: {first_kind}"
