"""Every loop of the compiled kernel on this machine (AVX-512, AVX2, portable, as far as
the CPU allows; `limit_isa` caps the choice), and the threads' pieces of a block.

Each path must score like float64 within float32 rounding and give the exact top-k; the
found scores must come back in the order of the rows' pieces whichever thread took them.
"""

import itertools
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType
from typing import Any, cast

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadreview.search.block_scoring import KERNEL_ENV, KernelScorer, kernel_built, row_pieces
from leadreview.search.topk import exact_top_k

needs_kernel = pytest.mark.skipif(
    not kernel_built(), reason="the C kernel is not built (no compiler at install)"
)
LOOPS = ("avx512", "avx2", "portable")


def unit_rows(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _runnable() -> list[str]:
    if not kernel_built():
        return []
    from leadreview.search import _kernels

    widest = _kernels.isa()
    return list(LOOPS[LOOPS.index(widest) :])


@pytest.fixture(params=_runnable() or ["none"])
def loops(request: pytest.FixtureRequest) -> Iterator[str]:
    """The kernel limited to one instruction set for the test, then restored."""
    if request.param == "none":
        pytest.skip("the C kernel is not built")
    from leadreview.search import _kernels

    previous = _kernels.limit_isa(request.param)
    try:
        assert _kernels.isa() == request.param  # the path asked for is the one that runs
        yield request.param
    finally:
        _kernels.limit_isa(previous)


@needs_kernel
def test_an_unknown_instruction_set_is_refused() -> None:
    from leadreview.search import _kernels

    with pytest.raises(ValueError, match="unknown instruction set 'sse9'"):
        _kernels.limit_isa("sse9")
    assert _kernels.isa() in LOOPS


@needs_kernel
@pytest.mark.parametrize("dtype", [np.float16, np.float32])
@pytest.mark.parametrize(
    ("m", "d"),
    # One probe and few (the row loops; 128 has its own unrolled copy), 8 to 70 (the
    # tiles: 16 and 32 pad alike, 17 and 70 do not), dimensions off the vector widths.
    [(1, 128), (1, 48), (1, 37), (3, 128), (7, 16), (8, 128), (16, 40), (17, 128), (32, 5),
     (64, 128), (70, 37)],
)  # fmt: skip
def test_each_loop_gives_the_exact_top_k(
    loops: str, dtype: type, m: int, d: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(m * 1000 + d)
    # Enough rows that blocks go to threads in pieces, and a ragged tail of rows.
    gallery = unit_rows(rng, 40_003, d).astype(dtype)
    queries = unit_rows(rng, m, d)
    monkeypatch.setenv(KERNEL_ENV, "kernel")
    indices, scores = exact_top_k(gallery, queries, 50)
    full = queries.astype(np.float64) @ gallery.astype(np.float64).T
    expected = np.argsort(-full, axis=1, kind="stable")[:, :50]
    assert np.array_equal(indices, expected)
    assert np.allclose(scores, np.take_along_axis(full, expected, axis=1), rtol=0, atol=1e-6)


@needs_kernel
@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 200),
    m=st.sampled_from([1, 2, 7, 8, 16, 31, 33]),
    d=st.sampled_from([1, 8, 16, 17, 32, 48, 128]),
    half=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_each_loop_scores_like_float64(n: int, m: int, d: int, half: bool, seed: int) -> None:
    from leadreview.search import _kernels

    rng = np.random.default_rng(seed)
    gallery = unit_rows(rng, n, d).astype(np.float16 if half else np.float32)
    queries = unit_rows(rng, m, d)
    exact = queries.astype(np.float64) @ gallery.astype(np.float64).T
    first, last = sorted(rng.integers(0, n + 1, size=2).tolist())
    for isa in _runnable():
        previous = _kernels.limit_isa(isa)
        try:
            out = np.full((m, n), np.nan, dtype=np.float32)
            _kernels.score(gallery, queries, out, first, last)
        finally:
            _kernels.limit_isa(previous)
        assert np.isnan(out[:, :first]).all() and np.isnan(out[:, last:]).all()
        assert np.allclose(out[:, first:last], exact[:, first:last], rtol=0, atol=1e-6), isa


def test_pieces_cover_the_rows_in_groups_of_eight() -> None:
    assert row_pieces(1_000, 128, 2) == [(0, 1_000)]  # too little work to share
    assert row_pieces(10**6, 128, 1) == [(0, 10**6)]  # one thread
    pieces = row_pieces(1_000_003, 128, 2)  # one probe: 2**24 multiply-adds a piece
    assert pieces[0] == (0, 131_072) and pieces[-1][1] == 1_000_003
    assert all(a[1] == b[0] for a, b in itertools.pairwise(pieces))
    assert all(first % 8 == 0 for first, _ in pieces)
    # Much work a row (a batch): small pieces; little in all: at least a piece a thread.
    assert row_pieces(300_000, 64 * 128, 2)[0] == (0, 2_048)
    assert len(row_pieces(20_000, 128, 3)) == 3


class _SlowThread:
    """The kernel module with one thread held back at its first piece, so that the other
    thread takes the next pieces: the order in which pieces finish changes."""

    def __init__(self, kernels: Any) -> None:
        self._kernels = kernels
        self._first = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._kernels, name)

    def score_above(self, *args: Any, **kwargs: Any) -> int:
        if not self._first.is_set():
            self._first.set()
            time.sleep(0.05)
        found: int = self._kernels.score_above(*args, **kwargs)
        return found


@needs_kernel
@pytest.mark.parametrize("m", [1, 40])
def test_found_scores_come_back_in_the_order_of_the_pieces(m: int) -> None:
    from leadreview.search import _kernels

    rng = np.random.default_rng(m)
    block = unit_rows(rng, 200_000, 16).astype(np.float16)
    queries = unit_rows(rng, m, 16)
    full = np.empty((m, block.shape[0]), dtype=np.float32)
    _kernels.score(block, queries, full, 0, block.shape[0])  # the same loops' scores
    thresholds = np.quantile(full, 0.999, axis=1).astype(np.float32)
    pool = ThreadPoolExecutor(max_workers=2)
    try:
        results = []
        kernels: Any
        for kernels in (_kernels, _SlowThread(_kernels)):
            scorer = KernelScorer(cast(ModuleType, kernels), lambda: pool, threads=2)
            scorer.reserve(100_000)
            found = scorer.above(block, queries, thresholds, 100_000)
            assert found is not None
            results.append(found)
    finally:
        pool.shutdown()
    (q0, r0, s0), (q1, r1, s1) = results
    assert np.array_equal(q0, q1) and np.array_equal(r0, r1) and np.array_equal(s0, s1)
    # Exactly the scores at or above the thresholds, each once.
    expected_q, expected_r = np.nonzero(full >= thresholds[:, None])
    assert len(q0) == len(expected_q)
    assert set(zip(q0.tolist(), r0.tolist(), strict=True)) == set(
        zip(expected_q.tolist(), expected_r.tolist(), strict=True)
    )
    assert np.array_equal(s0, full[q0, r0])
    # Pieces run in turn: rows ascend from one piece to the next.
    pieces = row_pieces(block.shape[0], queries.size, 2)
    piece_of = np.searchsorted([first for first, _ in pieces], r0, side="right")
    assert np.all(np.diff(piece_of) >= 0)
