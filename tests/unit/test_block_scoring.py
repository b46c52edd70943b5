"""The compiled block-scoring kernel against numpy's path on the same data.

Both must give the exact top-k of the vectors as stored: the same indices, and scores
equal within float32 rounding (the two add up the products in different orders).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadreview.search.block_scoring import kernel_built
from leadreview.search.topk import exact_top_k
from tests.support.compiled import use_paths

needs_kernel = pytest.mark.skipif(
    not kernel_built(), reason="the C kernel is not built (no compiler at install)"
)


def unit_rows(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def top_k_on(
    path: str, monkeypatch: pytest.MonkeyPatch, gallery: np.ndarray, queries: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    with monkeypatch.context() as patch:
        use_paths(patch, search=path)
        return exact_top_k(gallery, queries, k)


@needs_kernel
@pytest.mark.parametrize("dtype", [np.float16, np.float32])
@pytest.mark.parametrize(("m", "d"), [(1, 128), (3, 128), (64, 128), (70, 37), (9, 5)])
def test_the_kernel_and_numpy_give_the_same_top_k(
    dtype: type, m: int, d: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(m * 1000 + d)
    # Enough rows that the kernel's slices go to threads (and leave a ragged tail).
    gallery = unit_rows(rng, 40_003, d).astype(dtype)
    queries = unit_rows(rng, m, d)
    kernel_i, kernel_s = top_k_on("kernel", monkeypatch, gallery, queries, 50)
    numpy_i, numpy_s = top_k_on("numpy", monkeypatch, gallery, queries, 50)
    assert np.array_equal(kernel_i, numpy_i)
    assert np.allclose(kernel_s, numpy_s, rtol=0, atol=4 * np.finfo(np.float32).eps)
    # And both are the exact top-k of the stored vectors (float64 full sort).
    full = queries.astype(np.float64) @ gallery.astype(np.float64).T
    expected = np.argsort(-full, axis=1, kind="stable")[:, :50]
    assert np.array_equal(kernel_i, expected)


@needs_kernel
@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 300),
    m=st.integers(1, 40),
    d=st.integers(1, 40),
    half=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_simd_and_portable_loops_score_like_float64(
    n: int, m: int, d: int, half: bool, seed: int
) -> None:
    from leadreview.search import _kernels

    rng = np.random.default_rng(seed)
    gallery = unit_rows(rng, n, d).astype(np.float16 if half else np.float32)
    queries = unit_rows(rng, m, d)
    exact = queries.astype(np.float64) @ gallery.astype(np.float64).T
    first, last = sorted(rng.integers(0, n + 1, size=2).tolist())
    for portable in (False, True):
        out = np.full((m, n), np.nan, dtype=np.float32)
        _kernels.score(gallery, queries, out, first, last, portable=portable)
        # Only the rows asked for are written.
        assert np.isnan(out[:, :first]).all() and np.isnan(out[:, last:]).all()
        assert np.allclose(out[:, first:last], exact[:, first:last], rtol=0, atol=1e-6)


@needs_kernel
def test_the_kernel_refuses_what_it_cannot_read() -> None:
    from leadreview.search import _kernels

    gallery = np.zeros((10, 4), dtype=np.float16)
    queries = np.zeros((2, 4), dtype=np.float32)
    out = np.zeros((2, 10), dtype=np.float32)
    with pytest.raises(ValueError, match="do not agree"):
        _kernels.score(gallery, queries, out, 0, 11)
    with pytest.raises(ValueError, match="do not agree"):
        _kernels.score(gallery, queries[:, :3].copy(), out, 0, 10)
    with pytest.raises(TypeError, match="expected one of 'ef'"):
        _kernels.score(gallery.astype(np.float64), queries, out, 0, 10)
    with pytest.raises(ValueError, match="read-only"):
        out.flags.writeable = False
        _kernels.score(gallery, queries, out, 0, 10)


def test_a_strided_gallery_takes_numpy_path_with_the_same_result() -> None:
    # Every other row of a gallery is not C-contiguous: the kernel cannot read it, and
    # the search must still be exact rather than fail.
    rng = np.random.default_rng(11)
    gallery = unit_rows(rng, 2_000, 16).astype(np.float16)[::2]
    queries = unit_rows(rng, 5, 16)
    indices, _ = exact_top_k(gallery, queries, 10)
    full = queries.astype(np.float64) @ gallery.astype(np.float64).T
    assert np.array_equal(indices, np.argsort(-full, axis=1, kind="stable")[:, :10])


@needs_kernel
@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 300),
    m=st.integers(1, 40),
    d=st.integers(1, 40),
    half=st.booleans(),
    quantile=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_score_above_keeps_exactly_the_scores_at_or_above_the_thresholds(
    n: int, m: int, d: int, half: bool, quantile: float, seed: int
) -> None:
    from leadreview.search import _kernels

    rng = np.random.default_rng(seed)
    gallery = unit_rows(rng, n, d).astype(np.float16 if half else np.float32)
    queries = unit_rows(rng, m, d)
    nan_rows = rng.random(m) < 0.1  # a NaN threshold keeps nothing
    for portable in (False, True):
        # Each path's own scores set its thresholds: the SIMD path fuses the multiply
        # and add, the portable one does not, so they may differ in the last bit.
        full = np.empty((m, n), dtype=np.float32)
        _kernels.score(gallery, queries, full, 0, n, portable=portable)
        thresholds = np.quantile(full, quantile, axis=1).astype(np.float32)
        thresholds[nan_rows] = np.nan
        passing_q, passing_r = np.nonzero(full >= thresholds[:, None])
        expected = set(zip(passing_q.tolist(), passing_r.tolist(), strict=True))
        capacity = m * n
        rows, found_q = np.empty(capacity, np.int64), np.empty(capacity, np.int64)
        scores = np.empty(capacity, np.float32)
        count = _kernels.score_above(
            gallery, queries, thresholds, rows, found_q, scores, 0, n, portable=portable
        )
        found = zip(found_q[:count].tolist(), rows[:count].tolist(), strict=True)
        assert set(found) == expected
        assert np.allclose(scores[:count], full[found_q[:count], rows[:count]], atol=1e-6)
        if expected:  # one place fewer than needed: the kernel says so instead
            small = len(expected) - 1
            assert (
                _kernels.score_above(
                    gallery, queries, thresholds, rows[:small], found_q[:small],
                    scores[:small], 0, n, portable=portable,
                )
                == -1
            )  # fmt: skip


@needs_kernel
@pytest.mark.parametrize("m", [1, 3, 20])
def test_blocks_selected_in_the_kernel_keep_the_best_scores_among_mass_ties(
    m: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # After the first block, the kernel keeps only scores at or above each probe's k-th
    # best; a gallery of few distinct faces ties most scores with it, more than the
    # kernel may keep, and that block must fall back to stored scores, still exact.
    rng = np.random.default_rng(m)
    gallery = np.repeat(unit_rows(rng, 3, 16), 20_000, axis=0)
    rng.shuffle(gallery)
    queries = unit_rows(rng, m, 16)
    full = queries @ gallery.T
    expected = -np.sort(-full, axis=1)[:, :60]
    for path in ("kernel", "numpy"):
        # A small budget: many blocks after the first.
        with monkeypatch.context() as patch:
            use_paths(patch, search=path)
            indices, scores = exact_top_k(gallery, queries, 60, budget_bytes=400_000)
        assert np.allclose(scores, expected, atol=1e-6)
        assert np.allclose(scores, np.take_along_axis(full, indices, axis=1), atol=1e-6)
        assert all(len(set(row.tolist())) == 60 for row in indices)
