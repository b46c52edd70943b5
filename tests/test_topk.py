import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from leadreview.search.topk import exact_top_k


def unit_rows(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    x = rng.standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 300),
    m=st.integers(0, 20),
    k=st.integers(1, 60),
    seed=st.integers(0, 2**32 - 1),
)
def test_matches_a_full_sort(n: int, m: int, k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    gallery = unit_rows(rng, n, 16)
    queries = unit_rows(rng, m, 16)
    indices, scores = exact_top_k(gallery, queries, k)
    assert indices.shape == scores.shape == (m, min(k, n))
    full = queries @ gallery.T
    for row in range(m):
        expected = np.lexsort((np.arange(n), -full[row]))[: min(k, n)]
        assert np.array_equal(indices[row], expected)
        assert np.allclose(scores[row], full[row][expected], atol=1e-6)
        assert np.all(np.diff(scores[row]) <= 0)


def test_ties_break_by_lower_index() -> None:
    gallery = np.ones((5, 4), dtype=np.float32) / 2
    queries = np.ones((1, 4), dtype=np.float32) / 2
    indices, _ = exact_top_k(gallery, queries, 3)
    assert indices.tolist() == [[0, 1, 2]]
