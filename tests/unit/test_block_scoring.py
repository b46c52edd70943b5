"""The compiled block-scoring kernel against numpy's path on the same data.

Both must give the exact top-k of the vectors as stored: the same indices, and scores
equal within float32 rounding (the two add up the products in different orders).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadreview.search.block_scoring import KERNEL_ENV, kernel_built
from leadreview.search.topk import exact_top_k

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
        patch.setenv(KERNEL_ENV, path)
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
    from leadreview.search import _kernels  # type: ignore[attr-defined]

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
    from leadreview.search import _kernels  # type: ignore[attr-defined]

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
