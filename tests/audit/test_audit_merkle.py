"""P11: the RFC 6962 Merkle tree and its proofs, against published known answers.

Vectors: transparency-dev/merkle, proof/verify_test.go (`leaves`, `roots`,
`inclusionProofs`, `consistencyProofs`; https://github.com/transparency-dev/merkle/blob/
main/proof/verify_test.go), which carry the C++ certificate-transparency constants
(cpp/merkletree/merkle_tree_test.cc). Inclusion vectors there number leaves from 1.
"""

import itertools

import pytest

from leadreview.audit import merkle
from leadreview.audit.merkle import (
    EMPTY_ROOT,
    CompactRange,
    ProofError,
    check_consistency,
    check_inclusion,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    tree_hash,
)

LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
ROOTS = [
    bytes.fromhex(h)
    for h in [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
]


def _h(*hexes: str) -> list[bytes]:
    return [bytes.fromhex(h) for h in hexes]


# (leaf numbered from 1, tree size, proof)
INCLUSION = [
    (1, 1, []),
    (
        1,
        8,
        _h(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ),
    ),
    (
        6,
        8,
        _h(
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
    (3, 3, _h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
    (
        2,
        5,
        _h(
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ),
    ),
]
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        _h(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ),
    ),
    (
        6,
        8,
        _h(
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
    (
        2,
        5,
        _h(
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ),
    ),
    (
        6,
        7,
        _h(
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
]


class StoredTree:
    """Records appended the way the database stores them: 1 + trailing_ones(n) hashes."""

    def __init__(self, entries: list[bytes]) -> None:
        self.records: list[list[bytes]] = []
        edge = CompactRange()
        for entry in entries:
            self.records.append(edge.append(leaf_hash(entry)))

    def read(self, level: int, index: int) -> bytes:
        return self.records[merkle.closing_record(level, index)][level]


def test_empty_tree_is_the_hash_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert tree_hash(0, StoredTree([]).read) == EMPTY_ROOT
    assert CompactRange().root() == EMPTY_ROOT


@pytest.mark.parametrize("size", range(1, 9))
def test_known_roots_from_stored_hashes_and_from_a_compact_range(size: int) -> None:
    tree = StoredTree(LEAVES[:size])
    assert tree_hash(size, tree.read) == ROOTS[size - 1]
    compact = CompactRange()
    for entry in LEAVES[:size]:
        compact.append(leaf_hash(entry))
    assert compact.root() == ROOTS[size - 1]


def test_each_record_stores_at_most_one_plus_log2_hashes() -> None:
    tree = StoredTree([bytes([i % 256]) for i in range(300)])
    for n, hashes in enumerate(tree.records):
        assert len(hashes) == 1 + (len(bin(n)) - len(bin(n).rstrip("1")))
        assert len(hashes) <= 1 + max(n, 1).bit_length()


@pytest.mark.parametrize(("leaf", "size", "proof"), INCLUSION)
def test_known_inclusion_proofs(leaf: int, size: int, proof: list[bytes]) -> None:
    tree = StoredTree(LEAVES[:size])
    assert inclusion_proof(leaf - 1, size, tree.read) == proof
    check_inclusion(leaf - 1, size, leaf_hash(LEAVES[leaf - 1]), proof, ROOTS[size - 1])


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_known_consistency_proofs(old: int, new: int, proof: list[bytes]) -> None:
    tree = StoredTree(LEAVES[:new])
    assert consistency_proof(old, new, tree.read) == proof
    check_consistency(old, new, ROOTS[old - 1], ROOTS[new - 1], proof)


@pytest.mark.parametrize(("leaf", "size", "proof"), INCLUSION[1:])
def test_corrupted_inclusion_proofs_fail(leaf: int, size: int, proof: list[bytes]) -> None:
    # The probes of verify_test.go's corruptInclusionProof, as they apply here.
    index, root, good = leaf - 1, ROOTS[size - 1], leaf_hash(LEAVES[leaf - 1])
    probes = [
        (index - 1, size, good, proof, root),
        (index + 1, size, good, proof, root),
        (index ^ 2, size, good, proof, root),
        (index, size * 2, good, proof, root),
        (index, size // 2, good, proof, root),
        (index, size, leaf_hash(b"WrongLeaf"), proof, root),
        (index, size, good, proof, EMPTY_ROOT),
        (index, size, good, [*proof, root], root),
        (index, size, good, [root, *proof], root),
        (index, size, good, proof[:-1], root),
        (index, size, good, [*proof, b""], root),
    ]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 8]) + flipped[i][1:]
        probes.append((index, size, good, flipped, root))
    for probe_index, probe_size, probe_leaf, probe_proof, probe_root in probes:
        with pytest.raises(ProofError):
            check_inclusion(probe_index, probe_size, probe_leaf, probe_proof, probe_root)


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY[1:])
def test_corrupted_consistency_proofs_fail(old: int, new: int, proof: list[bytes]) -> None:
    r1, r2 = ROOTS[old - 1], ROOTS[new - 1]
    probes = [
        (old - 1, new, r1, r2, proof),
        (old + 1, new, r1, r2, proof),
        (old ^ 2, new, r1, r2, proof),
        (old, new * 2, r1, r2, proof),
        (old, new // 2, r1, r2, proof),
        (old, new, b"WrongRoot", r2, proof),
        (old, new, r1, b"WrongRoot", proof),
        (old, new, r2, r1, proof),
        (old, new, r1, r2, []),
        (old, new, r1, r2, [*proof, r1]),
        (old, new, r1, r2, [r2, *proof]),
        (old, new, r1, r2, [proof[0], *proof]),
        (old, new, r1, r2, proof[:-1]),
        (old, new, r1, r2, [*proof, b""]),
    ]
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
        probes.append((old, new, r1, r2, flipped))
    for probe in probes:
        if probe[0] == 0 and not probe[4]:
            continue  # size 0 is consistent with everything, as in the RFC
        with pytest.raises(ProofError):
            check_consistency(*probe)


def test_every_proof_in_trees_up_to_40_checks() -> None:
    entries = [f"entry {i}".encode() for i in range(40)]
    tree = StoredTree(entries)
    roots = [tree_hash(n, tree.read) for n in range(41)]
    for size in range(1, 41):
        for index in range(size):
            proof = inclusion_proof(index, size, tree.read)
            check_inclusion(index, size, leaf_hash(entries[index]), proof, roots[size])
    for old, new in itertools.combinations_with_replacement(range(41), 2):
        check_consistency(old, new, roots[old], roots[new], consistency_proof(old, new, tree.read))
        if 0 < old < new:
            with pytest.raises(ProofError):
                check_consistency(
                    old,
                    new,
                    roots[old - 1] if old > 1 else b"x" * 32,
                    roots[new],
                    consistency_proof(old, new, tree.read),
                )


def test_requests_no_proof_can_answer_are_refused() -> None:
    tree = StoredTree(LEAVES)
    with pytest.raises(ProofError):
        inclusion_proof(8, 8, tree.read)
    with pytest.raises(ProofError):
        consistency_proof(5, 4, tree.read)
    with pytest.raises(ProofError):
        check_consistency(5, 4, ROOTS[4], ROOTS[3], [])


def test_extend_in_any_chunks_gives_the_tree_of_one_at_a_time() -> None:
    import random

    leaves = [leaf_hash(f"e{i}".encode()) for i in range(700)]
    one = CompactRange()
    roots = []
    for leaf in leaves:
        one.push(leaf)
        roots.append(one.root())
    rng = random.Random(12)
    for _ in range(20):
        tree = CompactRange()
        position = 0
        while position < len(leaves):
            step = rng.choice([1, 2, 3, 7, 64, 255, 256, 300])
            tree.extend(leaves[position : position + step])
            position = min(len(leaves), position + step)
            assert tree.size == position
            assert tree.root() == roots[position - 1]


def test_append_row_stores_what_append_returns_joined() -> None:
    # The appender's row and the tree it leaves behind are those of `append`, record by
    # record, across several carries (sizes 0 … 299 include every run of trailing ones
    # up to 2^8 − 1).
    leaves = [leaf_hash(f"r{i}".encode()) for i in range(300)]
    listed, joined = CompactRange(), CompactRange()
    for leaf in leaves:
        assert joined.append_row(leaf) == b"".join(listed.append(leaf))
        assert joined.size == listed.size
        assert joined.root() == listed.root()
