"""The Merkle tree hashes in the database (`audit_merkle`): writing them with the events,
reading them for roots and proofs.

Record n (0-based) is event seq n + 1; its row holds its leaf hash followed by the root
of every complete subtree it closes (merkle.CompactRange.append), so the hash of subtree
(level, index) is bytes [32·level, 32·level + 32) of the row of its last record.
Reads gather every position a root or proof needs and fetch them in one query: a proof on
a million-event log is ~40 hashes, one round trip.
"""

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from leadreview.audit.merkle import (
    HASH_SIZE,
    CompactRange,
    HashReader,
    ProofError,
    closing_record,
    consistency_proof,
    frontier,
    inclusion_proof,
    tree_hash,
)

T = TypeVar("T")
_SELECT_ROWS = "SELECT seq, hashes FROM audit_merkle WHERE seq IN ({marks})"
INSERT_ROW = "INSERT INTO audit_merkle (seq, hashes) VALUES (?, ?)"


class TreeStoreError(ProofError):
    """The stored tree is missing hashes it must have: the table was tampered with."""


def stored_hashes(seq: object, blob: object) -> bytes:
    """An audit_merkle row's hashes; TreeStoreError for text or NULL written there behind
    the app's back (bytes() would raise TypeError, or read an integer as zeros)."""
    if not isinstance(blob, bytes | memoryview):
        kind = "NULL" if blob is None else "text" if isinstance(blob, str) else "no bytes"
        raise TreeStoreError(
            f"audit_merkle row {seq} holds {kind}, not hashes: the stored tree was tampered with"
        )
    return bytes(blob)


def read_positions(
    cursor: Any, positions: Sequence[tuple[int, int]], mark: str = "?"
) -> dict[tuple[int, int], bytes]:
    """The stored hash at each (level, index), through a DBAPI cursor."""
    if not positions:
        return {}
    seqs = sorted({closing_record(level, index) + 1 for level, index in positions})
    cursor.execute(_SELECT_ROWS.format(marks=", ".join(mark for _ in seqs)), seqs)
    rows = {int(seq): stored_hashes(seq, blob) for seq, blob in cursor.fetchall()}
    found: dict[tuple[int, int], bytes] = {}
    for level, index in positions:
        seq = closing_record(level, index) + 1
        blob = rows.get(seq)
        start = level * HASH_SIZE
        if blob is None or len(blob) < start + HASH_SIZE:
            raise TreeStoreError(
                f"audit_merkle has no level-{level} hash for event {seq}: "
                "the stored tree was tampered with"
            )
        found[(level, index)] = blob[start : start + HASH_SIZE]
    return found


def compact_range_at(cursor: Any, size: int, mark: str = "?") -> CompactRange:
    """The right edge of the stored tree of `size` records, ready to append to."""
    positions = frontier(size)
    hashes = read_positions(cursor, positions, mark)
    return CompactRange(size, [hashes[p] for p in positions])


def with_stored_hashes(cursor: Any, compute: Callable[[HashReader], T], mark: str = "?") -> T:
    """Run `compute` (a root or a proof) against the stored tree in one query: a first
    pass records which hashes it reads (the positions do not depend on the values)."""
    wanted: list[tuple[int, int]] = []

    def record(level: int, index: int) -> bytes:
        wanted.append((level, index))
        return bytes(HASH_SIZE)

    compute(record)
    hashes = read_positions(cursor, wanted, mark)
    return compute(lambda level, index: hashes[(level, index)])


class StoredTree:
    """Roots and proofs from the stored hashes, inside the caller's transaction (so the
    size read and the hashes read come from one snapshot)."""

    def __init__(self, connection: Any) -> None:
        """`connection`: a SQLAlchemy Connection (a session's `.connection()`)."""
        self._connection = connection
        self._mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"

    def _run(self, compute: Callable[[HashReader], T]) -> T:
        cursor = self._connection.connection.cursor()
        try:
            return with_stored_hashes(cursor, compute, self._mark)
        finally:
            cursor.close()

    def size(self) -> int:
        row = self._connection.exec_driver_sql("SELECT max(seq) FROM audit_merkle").first()
        return 0 if row is None or row[0] is None else int(row[0])

    def root(self, size: int) -> bytes:
        return self._run(lambda read: tree_hash(size, read))

    def inclusion(self, index: int, size: int) -> list[bytes]:
        return self._run(lambda read: inclusion_proof(index, size, read))

    def consistency(self, old: int, new: int) -> list[bytes]:
        return self._run(lambda read: consistency_proof(old, new, read))

    def leaves(self, first_seq: int, last_seq: int) -> dict[int, bytes]:
        rows = self._connection.exec_driver_sql(
            f"SELECT seq, hashes FROM audit_merkle WHERE seq >= {int(first_seq)} "
            f"AND seq <= {int(last_seq)}"
        )
        return {int(seq): stored_hashes(seq, blob)[:HASH_SIZE] for seq, blob in rows}
