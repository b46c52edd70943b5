"""Checking the stored Merkle tree (`audit_merkle`) row by row, a level at a time.

Every row must be what appending the events' leaves stores (tree_store.py): its leaf
first, then one hash per complete subtree the record closes, each the parent of the two
below it. The check recomputes each level of a chunk, n − 1 hashes in all, and compares
them with the stored ones: all levels in one call to the compiled `check_levels` where
it is built (chain_kernel.py), else a list comprehension a level.

It can be split over contiguous ranges of rows (verify_parallel.py): a range that starts
at a multiple of 2^`top` holds every node of levels below `top` whose leaves it holds, so
`RangeTreeCheck(top=…)` checks those levels alone and hands on the rows' hashes from
level `top` up (`upper`); one `UpperTreeCheck` then checks the levels above over all
ranges in order.
"""

import hashlib

from leadreview.audit.chain_kernel import level_check

HASH_SIZE = 32


class _LevelChecker:
    """The level-by-level check, with the last unpaired node of each level carried from
    one chunk to the next. A level's nodes are one bytes object (32 bytes a node): a
    level is hashed in one call and compared in one comparison."""

    def __init__(self, top: int | None) -> None:
        self.problem = ""
        self._top = top
        self._unpaired: dict[int, bytes] = {}
        self._compiled = level_check()

    def _check_levels(self, nodes: bytes, blobs: list[bytes], level: int, base: int) -> None:
        """`nodes`: the chunk's nodes of `level`, joined; `blobs`: the rows (or the part
        of each row from level `base` up) that hold the stored hashes above them."""
        if self._compiled is not None:  # the same steps in C (_verify_kernels.c)
            top = -1 if self._top is None else self._top
            wrong = self._compiled(nodes, blobs, level, base, top, self._unpaired)
            if wrong >= 0:
                self.problem = f"audit_merkle holds wrong level-{wrong + 1} hashes"
            return
        sha256 = hashlib.sha256
        unpaired = self._unpaired
        while nodes and (self._top is None or level < self._top):
            if level in unpaired:
                nodes = unpaired.pop(level) + nodes
            if len(nodes) // HASH_SIZE & 1:
                unpaired[level] = nodes[-HASH_SIZE:]
                nodes = nodes[:-HASH_SIZE]
            expected = b"".join(
                [sha256(b"\x01" + nodes[k : k + 64]).digest() for k in range(0, len(nodes), 64)]
            )
            offset = HASH_SIZE * (level + 1 - base)
            # Only rows that reach this level can reach the next: each level looks at
            # half as many rows as the one below (2n row visits in all, not n·log n).
            blobs = [blob for blob in blobs if len(blob) > offset]
            stored = b"".join([blob[offset : offset + HASH_SIZE] for blob in blobs])
            if expected != stored:
                self.problem = f"audit_merkle holds wrong level-{level + 1} hashes"
                return
            if not stored:
                return  # nothing new above this level in this chunk
            nodes = stored
            level += 1


class RangeTreeCheck(_LevelChecker):
    """Rows `first_seq`, `first_seq + 1`, … fed in chunks of (seq, hashes)."""

    def __init__(self, first_seq: int = 1, top: int | None = None) -> None:
        super().__init__(top)
        self.count = first_seq - 1  # the last sequence number checked
        self.rows = 0
        # The row `problem` is about, where it is about one row (0: several, or none).
        self.problem_seq = 0
        self.upper: list[bytes] = []  # given `top`: each row's hashes from level `top` up

    def feed(self, chunk: list[tuple[int, bytes]]) -> bytes:
        """Check a chunk; returns its stored leaf hashes, joined (to compare with the
        events')."""
        if self.problem:
            return b""
        if chunk[0][0] != self.count + 1 or chunk[-1][0] != self.count + len(chunk):
            self.problem = f"audit_merkle rows after event {self.count} are not consecutive"
            return b""
        try:
            blobs = [bytes(blob) for _, blob in chunk]
        except TypeError:  # text or NULL written behind the app's back
            seq, stored = next((s, b) for s, b in chunk if not isinstance(b, bytes | memoryview))
            kind = {str: "text", type(None): "NULL"}.get(type(stored), type(stored).__name__)
            self.problem = f"audit_merkle row {seq} holds {kind}, not hashes"
            self.problem_seq = seq
            return b""
        # Whole hashes only, so that a level's stored hashes joined are exactly as many
        # 32-byte nodes as were picked (one length test per distinct length, not per row).
        torn = sorted(n for n in set(map(len, blobs)) if n == 0 or n % HASH_SIZE)
        if torn:
            seq, size = next(
                (s, len(b)) for (s, _), b in zip(chunk, blobs, strict=True) if len(b) in torn
            )
            self.problem = f"audit_merkle row {seq} holds {size} bytes, not whole hashes"
            self.problem_seq = seq
            return b""
        self.count += len(blobs)
        self.rows += len(blobs)
        leaves = b"".join([blob[:HASH_SIZE] for blob in blobs])
        self._check_levels(leaves, blobs, 0, 0)
        if self.problem:
            self.problem += f" in events up to {self.count}"
        if self._top is not None:
            cut = HASH_SIZE * self._top
            self.upper.extend(blob[cut:] for blob in blobs if len(blob) > cut)
        return leaves


class UpperTreeCheck(_LevelChecker):
    """The levels from `base` up, fed the `upper` parts of consecutive ranges in order."""

    def __init__(self, base: int) -> None:
        super().__init__(None)
        self._base = base

    def feed(self, upper: list[bytes]) -> None:
        if not self.problem and upper:
            nodes = b"".join([part[:HASH_SIZE] for part in upper])
            self._check_levels(nodes, upper, self._base, self._base)
