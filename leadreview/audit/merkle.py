"""The RFC 6962 / RFC 9162 Merkle tree over the audit events, and its proofs.

Leaf hash: SHA-256(0x00 || entry), interior: SHA-256(0x01 || left || right), where an
entry is the event's envelope bytes exactly as the chain digest covers them (one function,
`leaf_hash`, used by the appender, the verifier and the tile reader alike).

Storage follows Go's golang.org/x/mod/sumdb/tlog: when record n (0-based) is appended we
store its leaf hash and the root of every complete subtree that record n closes — one
hash per trailing 1 bit of n — so record n keeps 1 + trailing_ones(n) ≤ 1 + log2(n)
hashes, and the hash of any complete, aligned subtree can be read, never recomputed.
We keep the hashes of one record together (one row per event, `audit_merkle`); the hash
at level L closed by record n is the (L+1)-th 32 bytes of that row.

Proofs are RFC 9162 §2.1.3 (inclusion) and §2.1.4 (consistency); the checks are the
verification algorithms of those sections, written from the RFC text.
"""

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
_sha256 = hashlib.sha256
EMPTY_ROOT = hashlib.sha256(b"").digest()  # RFC 9162: the hash of an empty tree

# Reads the stored hash of the complete subtree at (level, index): it covers records
# index·2^level … (index+1)·2^level − 1.
HashReader = Callable[[int, int], bytes]


class ProofError(ValueError):
    """A proof that does not prove what it claims, or a request no proof can answer."""


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def closing_record(level: int, index: int) -> int:
    """The record (0-based) that stores subtree (level, index): its last leaf."""
    return ((index + 1) << level) - 1


def _largest_power_of_two_below(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def subtree_hash(start: int, end: int, read: HashReader) -> bytes:
    """MTH of records [start, end); `start` is aligned as every RFC 6962 split is."""
    size = end - start
    if size <= 0:
        raise ProofError(f"empty range [{start}, {end})")
    if size & (size - 1) == 0 and start % size == 0:
        level = size.bit_length() - 1
        return read(level, start >> level)
    split = _largest_power_of_two_below(size)
    return node_hash(
        subtree_hash(start, start + split, read), subtree_hash(start + split, end, read)
    )


def tree_hash(size: int, read: HashReader) -> bytes:
    return EMPTY_ROOT if size == 0 else subtree_hash(0, size, read)


def inclusion_proof(index: int, size: int, read: HashReader) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(index, D[0:size])."""
    if not 0 <= index < size:
        raise ProofError(f"record {index} is not in a tree of size {size}")
    proof: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        split = _largest_power_of_two_below(end - start)
        if index < start + split:
            proof.append(subtree_hash(start + split, end, read))
            end = start + split
        else:
            proof.append(subtree_hash(start, start + split, read))
            start += split
    proof.reverse()  # the recursion appends from the root down; the proof runs leaf up
    return proof


def consistency_proof(old: int, new: int, read: HashReader) -> list[bytes]:
    """RFC 9162 §2.1.4.1 PROOF(old, D[0:new])."""
    if not 0 <= old <= new:
        raise ProofError(f"no consistency proof from size {old} to size {new}")
    if old in (0, new):
        return []
    proof: list[bytes] = []
    start, end, complete = 0, new, True
    while True:
        m = old - start
        if m == end - start:
            if not complete:
                proof.append(subtree_hash(start, end, read))
            break
        split = _largest_power_of_two_below(end - start)
        if m <= split:
            proof.append(subtree_hash(start + split, end, read))
            end = start + split
        else:
            proof.append(subtree_hash(start, start + split, read))
            start += split
            complete = False
    proof.reverse()
    return proof


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2: the root that `proof` leads to from `leaf`, or ProofError."""
    if not 0 <= index < size:
        raise ProofError(f"record {index} is not in a tree of size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        _check_hash(p)
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    return r


def check_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise ProofError(f"record {index} is not in the tree of size {size} with that root")


def check_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 §2.1.4.2; raises ProofError unless the tree of size `new` extends `old`."""
    if not 0 <= old <= new:
        raise ProofError(f"a tree of size {new} cannot extend one of size {old}")
    if old == new:
        if proof:
            raise ProofError("a proof between equal sizes must be empty")
        if old_root != new_root:
            raise ProofError(f"two different roots for size {old}: the log was rewritten")
        return
    if old == 0:
        if proof:
            raise ProofError("a proof from the empty tree must be empty")
        return
    if not proof:
        raise ProofError("consistency proof is empty")
    for p in proof:
        _check_hash(p)
    path = list(proof)
    if old & (old - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0 or fr != old_root or sr != new_root:
        raise ProofError(f"the tree of size {new} is not an extension of the tree of size {old}")


def _check_hash(value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError("a proof hash is not 32 bytes")


def frontier(size: int) -> list[tuple[int, int]]:
    """(level, index) of the complete subtrees a tree of `size` records splits into,
    largest (leftmost) first: the right edge a new record is hashed against."""
    positions: list[tuple[int, int]] = []
    start = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            positions.append((level, start >> level))
            start += 1 << level
    return positions


class CompactRange:
    """The right edge of a growing tree (RFC 9162 'compact range' from 0): the roots of
    its complete subtrees, largest first. Appending costs amortised one hash and returns
    what the record stores; the root is O(log n). The appender starts one from the
    stored frontier; the verifier builds the whole tree from the events with one."""

    __slots__ = ("_stack", "size")

    def __init__(self, size: int = 0, edge: Sequence[bytes] = ()) -> None:
        if len(edge) != bin(size).count("1"):
            raise ProofError(f"a tree of size {size} needs {bin(size).count('1')} edge hashes")
        self.size = size
        self._stack: list[bytes] = list(edge)

    def append(self, leaf: bytes) -> list[bytes]:
        """Add the next record; returns its stored hashes (leaf, then closed subtrees)."""
        stack = self._stack
        n = self.size
        current = leaf
        stored = [leaf]
        while n & 1:
            current = node_hash(stack.pop(), current)
            stored.append(current)
            n >>= 1
        stack.append(current)
        self.size += 1
        return stored

    def append_row(self, leaf: bytes) -> bytes:
        """`append`, its stored hashes joined as the record's `audit_merkle` row: the
        appender's hot loop, without the list and the per-node calls."""
        stack = self._stack
        n = self.size
        current = row = leaf
        while n & 1:
            current = _sha256(b"\x01" + stack.pop() + current).digest()
            row += current
            n >>= 1
        stack.append(current)
        self.size += 1
        return row

    def push(self, leaf: bytes) -> None:
        """`append` without collecting the stored hashes: the verifier's hot loop."""
        stack = self._stack
        n = self.size
        while n & 1:
            leaf = _sha256(b"\x01" + stack.pop() + leaf).digest()
            n >>= 1
        stack.append(leaf)
        self.size += 1

    def extend(self, leaves: Sequence[bytes]) -> None:
        """Append many leaves level by level: the same tree as `push` one at a time, with
        the hashing in list comprehensions instead of a Python loop per leaf (the
        verifier's hot path: about three times faster)."""
        if not leaves:
            return
        sha256 = _sha256
        size = self.size
        held = {
            level: digest
            for level, digest in zip(
                [lv for lv in range(size.bit_length() - 1, -1, -1) if size >> lv & 1],
                self._stack,
                strict=True,
            )
        }
        nodes = list(leaves)
        start, level = size, 0
        while nodes:
            if start & 1:  # the first node's left sibling is the subtree held at this level
                carry = [sha256(b"\x01" + held.pop(level) + nodes[0]).digest()]
                nodes = nodes[1:]
            else:
                carry = []
            if len(nodes) & 1:
                held[level] = nodes.pop()
            parents = [
                sha256(b"\x01" + left + right).digest()
                for left, right in zip(nodes[0::2], nodes[1::2], strict=True)
            ]
            nodes = carry + parents
            start >>= 1
            level += 1
        self.size = size + len(leaves)
        self._stack = [held[lv] for lv in sorted(held, reverse=True)]

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        current = self._stack[-1]
        for left in reversed(self._stack[:-1]):
            current = node_hash(left, current)
        return current
