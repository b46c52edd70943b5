"""Walking the chain: every break named, CloudTrail-validation style.

The hot loop hashes the stored text of each event (the envelope is assembled by string
concatenation, see canonical.py) and compares three things: the digest, the link to the
previous event's stored digest, and the sequence number. Anything unusual drops to a slow
path that works out what is wrong; the fast path does no JSON parsing and builds no
objects, so a million events verify in a few seconds.
"""

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from leadreview.audit.canonical import (
    FORMAT_V1,
    GENESIS_DIGEST,
    KNOWN_FORMATS,
    envelope,
    row_entries,
)
from leadreview.audit.chain_kernel import chain_kernel, split_leaves
from leadreview.audit.checkpoint import Checkpoint
from leadreview.audit.merkle import CompactRange
from leadreview.audit.models import ROW_COLUMNS, NotUtf8, RawRow
from leadreview.audit.verdict import Break, BreakKind, VerifyReport

# How far around its position a changed event is searched for, to tell a reordering
# (the event is intact but sealed under another sequence number) from an edit.
_REORDER_WINDOW = 16
_MAX_SUSPECTS = 10_000


@dataclass(frozen=True)
class RangeState:
    """Where the walk of one range of the log ended (verify_parallel.py joins them)."""

    count: int
    expected: int  # the sequence number after the range's last event
    first_prev: str  # the range's first event's prev_digest
    last: str  # the range's last event's digest
    seen_digests: dict[int, str]  # the digest at each checkpoint size in the range
    broken: bool


def _short(digest: object) -> str:
    return f"{str(digest)[:12]}…"


class ChainWalker:
    """Feed rows (in ROW_COLUMNS order, by ascending sequence) in chunks, then finish."""

    def __init__(
        self,
        source: str,
        checkpoints: Sequence[Checkpoint] = (),
        stored_root: Callable[[int], bytes | None] | None = None,
        *,
        first_seq: int = 1,
        digest_leaves: bool = True,
    ) -> None:
        """`stored_root(size)`: the root of a stored tree that is checked separately
        against these events' leaves (the database's audit_merkle); given it, the walker
        does not rebuild the tree itself, sparing n − 1 hashes.

        `first_seq` > 1 walks one range of the log (verify_parallel.py): its first event's
        link is taken as it is and checked by whoever joins the ranges. Without
        `digest_leaves` the leaves are not summed into `leaves_sha256` (a range's walker
        compares them with the stored ones itself, through `last_leaves`)."""
        self.report = VerifyReport(source)
        self._expected = first_seq
        self._digest_leaves = digest_leaves
        self._last: str | None = GENESIS_DIGEST if first_seq == 1 else None
        self.first_prev: str | None = None  # the first event's prev_digest
        self.last_leaves = b""  # the leaf hashes of the rows fed last, joined
        self._adopted = False
        self._count = 0
        self._pending = sorted(checkpoints, key=lambda c: c.size)
        self._seen_digests: dict[int, str] = {}
        # The Merkle tree rebuilt from the events, and its root at each checkpoint size.
        self._tree = CompactRange()
        self._leaves = hashlib.sha256()
        self._roots: dict[int, bytes] = {0: self._tree.root()}
        self._stored_root = stored_root
        self._root_sizes = sorted({c.size for c in self._pending if c.size > 0})
        self._suspects: list[RawRow] = []
        self.report.checkpoints = len(self._pending)
        self._kernel = chain_kernel()  # None: every chunk is walked in Python

    def feed(self, rows: Sequence[RawRow]) -> None:
        """Walk `rows`, cut where a checkpoint's size falls so its root can be taken."""
        start = 0
        while start < len(rows):
            if self._stored_root is not None:
                self._feed_segment(rows[start:])
                return
            position = self._tree.size
            cut = next(
                (s for s in self._root_sizes if position < s <= position + len(rows) - start), None
            )
            end = len(rows) if cut is None else start + cut - position
            self._feed_segment(rows[start:end])
            if cut is not None:
                self._roots[cut] = self._tree.root()
            start = end

    def _feed_segment(self, rows: Sequence[RawRow]) -> None:
        if not rows:
            return
        if self.first_prev is None:
            self.first_prev = str(rows[0][6])
        last = self.first_prev if self._last is None else self._last
        joined = None
        if self._kernel is not None and isinstance(rows, list):
            joined = self._kernel(rows, last, self._expected)
        if joined is None:  # no kernel, or a row it does not pass: Python walks the chunk
            joined = self._walk_in_python(rows, last)
        else:  # every row passed: the same state as the Python walk ends in
            self._expected = rows[-1][0] + 1
            self._last = rows[-1][7]
        if self._stored_root is None:
            self._tree.extend(split_leaves(joined))
        else:
            self._tree.size += len(rows)  # only counted; the stored tree is checked
        if self._digest_leaves:
            self._leaves.update(joined)
        self.last_leaves = joined
        self._count += len(rows)
        self._note_checkpoints(rows)

    def _walk_in_python(self, rows: Sequence[RawRow], last: str) -> bytes:
        """Check `rows` one by one (what the kernel checks, and the slow path naming any
        break); returns their leaf hashes joined."""
        sha256 = hashlib.sha256
        entries = row_entries(rows)
        expected = self._expected
        for row, entry in zip(rows, entries, strict=True):
            seq, time, actor, role, event_type, _payload, prev, digest, version, auth, login = row
            computed = sha256(entry).hexdigest()
            labels = f"{actor}{event_type}{role}{time}{prev}{auth}{login}"
            if (
                computed != digest
                or prev != last
                or seq != expected
                or '"' in labels
                or "\\" in labels
                or version not in KNOWN_FORMATS
                or (version != FORMAT_V1 and not (auth and login))
            ):
                self._slow(row, computed, expected, last)
            last = digest
            expected = seq + 1 if isinstance(seq, int) else expected + 1
        self._expected = expected
        self._last = last
        # merkle.leaf_hash, inlined.
        return b"".join([sha256(b"\x00" + entry).digest() for entry in entries])

    def state(self) -> RangeState:
        return RangeState(
            self._count,
            self._expected,
            self.first_prev or "",
            self._last or "",
            dict(self._seen_digests),
            bool(self.report.breaks or self._suspects),
        )

    def adopt(self, ranges: Sequence[RangeState]) -> None:
        """Take over the walks of consecutive ranges that joined up without a break, as
        if this walker had been fed their rows (the leaves are checked by whoever walked
        them: leaves_sha256 stays empty)."""
        self._count = sum(r.count for r in ranges)
        self._tree.size = self._count
        self._adopted = True
        self._expected = ranges[-1].expected
        self._last = ranges[-1].last
        for walked in ranges:
            self._seen_digests.update(walked.seen_digests)

    def _note_checkpoints(self, rows: Sequence[RawRow]) -> None:
        # Record the stored digest at each checkpoint size without a per-row test.
        first, last_seq = rows[0][0], rows[-1][0]
        for checkpoint in self._pending:
            size = checkpoint.size
            if not isinstance(first, int) or not isinstance(last_seq, int):
                break
            if first <= size <= last_seq:
                index = size - first
                if not (0 <= index < len(rows) and rows[index][0] == size):
                    index = next((i for i, r in enumerate(rows) if r[0] == size), -1)
                if index >= 0:
                    self._seen_digests[size] = str(rows[index][7])

    def _slow(self, row: RawRow, computed: str, expected: int, last: str) -> None:
        seq, time, actor, role, event_type, _payload, prev, digest, version, auth, login = row
        add = self.report.breaks.append
        if not isinstance(seq, int):
            add(Break(expected, BreakKind.MALFORMED, f"sequence number {seq!r} is not an integer"))
            return
        link_checkable = True
        if seq > expected:
            missing = f"{expected}" if seq == expected + 1 else f"{expected}–{seq - 1}"
            add(
                Break(
                    expected,
                    BreakKind.MISSING,
                    f"event(s) {missing} absent: the sequence jumps from {expected - 1} to {seq}",
                )
            )
            link_checkable = False  # its predecessor is gone; the gap is the break
        elif seq < expected:
            add(
                Break(
                    seq,
                    BreakKind.OUT_OF_ORDER,
                    f"sequence number {seq} appears after {expected - 1} (duplicate or reordered)",
                )
            )
        if link_checkable and prev != last:
            add(
                Break(
                    seq,
                    BreakKind.BROKEN_LINK,
                    f"prev_digest {_short(prev)} is not the digest of event {seq - 1} "
                    f"({_short(last)})",
                )
            )
        if computed != digest:
            add(
                Break(
                    seq,
                    BreakKind.DIGEST_MISMATCH,
                    f"stored digest {_short(digest)} but the event hashes to "
                    f"{_short(computed)}: its contents were changed",
                )
            )
            if len(self._suspects) < _MAX_SUSPECTS:
                self._suspects.append(row)
        for column, value in zip(ROW_COLUMNS, row, strict=True):
            if isinstance(value, NotUtf8):
                add(Break(seq, BreakKind.MALFORMED, f"{column} holds bytes that are not UTF-8"))
        # Undecodable bytes are shown escaped: named above, not as a stray backslash.
        labels = "".join(
            f"{value}"
            for value in (actor, event_type, role, time, prev, auth, login)
            if not isinstance(value, NotUtf8)
        )
        if '"' in labels or "\\" in labels:
            add(
                Break(
                    seq,
                    BreakKind.MALFORMED,
                    "actor, role, type, time, prev_digest, auth or login holds a quote or "
                    "backslash",
                )
            )
        if version not in KNOWN_FORMATS:
            add(Break(seq, BreakKind.MALFORMED, f"unknown event format {version!r}"))
        elif version != FORMAT_V1 and not (auth and login):
            add(Break(seq, BreakKind.MALFORMED, "a format 2 event without auth or login"))

    def _classify_reorders(self) -> None:
        for row in self._suspects:
            seq, time, actor, role, event_type, payload, prev, digest, version, auth, login = row
            for other in range(max(1, seq - _REORDER_WINDOW), seq + _REORDER_WINDOW + 1):
                if other == seq:
                    continue
                sealed = envelope(
                    other, time, actor, role, event_type, payload, prev, version, auth, login
                )
                if hashlib.sha256(sealed.encode("utf-8", "surrogatepass")).hexdigest() == digest:
                    self.report.breaks = [
                        Break(
                            seq,
                            BreakKind.REORDERED,
                            f"the event here is intact but was sealed as sequence {other}",
                        )
                        if b.seq == seq and b.kind is BreakKind.DIGEST_MISMATCH
                        else b
                        for b in self.report.breaks
                    ]
                    break

    def finish(self) -> VerifyReport:
        self._classify_reorders()
        report = self.report
        report.events = self._count
        report.head_seq = self._expected - 1
        # str(): a head digest that is not UTF-8 is shown escaped (a break names it).
        report.head_digest = str(self._last or GENESIS_DIGEST)
        if self._stored_root is not None:
            for size in {report.events, *(c.size for c in self._pending)}:
                if 0 < size <= report.events and (root := self._stored_root(size)) is not None:
                    self._roots[size] = root
            head_root = self._roots.get(report.events)
            report.root_hex = head_root.hex() if head_root is not None else ""
        else:
            report.root_hex = self._tree.root().hex()
        report.leaves_sha256 = "" if self._adopted else self._leaves.hexdigest()
        for checkpoint in self._pending:
            self._check_extension(checkpoint)
        return report

    def _check_extension(self, checkpoint: Checkpoint) -> None:
        size = checkpoint.size
        if size == 0:
            return  # every log extends the empty log
        stored = self._seen_digests.get(size)
        root = self._roots.get(size)
        if root is not None and root.hex() == checkpoint.root_hex:
            return  # the tree of `size` events has exactly the signed root
        if stored is not None and stored == checkpoint.root_hex:
            return  # a checkpoint from before the Merkle tree: the chain head it signed
        if size > self.report.events:
            self.report.truncated_to = max(self.report.truncated_to, size)
        if size > self.report.events or root is None:
            detail = (
                f"the log ends at sequence {self.report.head_seq} but the checkpoint "
                f"covers {size} events: the log was truncated"
            )
        else:
            detail = (
                f"the first {size} events have merkle root {_short(root.hex())} but the "
                f"checkpoint's root is {_short(checkpoint.root_hex)}: the log was rewritten"
            )
        self.report.breaks.append(Break(size, BreakKind.NOT_EXTENSION, detail))


def walk(
    source: str,
    chunks: Iterable[Sequence[RawRow]],
    checkpoints: Sequence[Checkpoint] = (),
    stored_root: Callable[[int], bytes | None] | None = None,
) -> VerifyReport:
    walker = ChainWalker(source, checkpoints, stored_root)
    for chunk in chunks:
        walker.feed(chunk)
    return walker.finish()
