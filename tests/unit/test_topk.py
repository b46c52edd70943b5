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
        # The same scores as a full sort, best first, each the score of its own index.
        assert np.allclose(scores[row], full[row][expected], atol=1e-6)
        assert np.allclose(scores[row], full[row][indices[row]], atol=1e-6)
        assert np.all(np.diff(scores[row]) <= 0)
        assert len(set(indices[row].tolist())) == indices.shape[1]
        # Random unit vectors do not tie, so the indices are the full sort's too.
        assert np.array_equal(indices[row], expected)


def test_ties_are_deterministic_and_listed_by_index() -> None:
    gallery = np.ones((5, 4), dtype=np.float32) / 2
    queries = np.ones((1, 4), dtype=np.float32) / 2
    first, _ = exact_top_k(gallery, queries, 3)
    again, _ = exact_top_k(gallery, queries, 3)
    assert np.array_equal(first, again)
    assert first[0].tolist() == sorted(first[0].tolist())
    assert set(first[0].tolist()) <= set(range(5))


def test_large_blocks_select_in_parallel_with_the_same_result() -> None:
    rng = np.random.default_rng(3)
    gallery = unit_rows(rng, 30_000, 32)
    queries = unit_rows(rng, 64, 32)
    indices, scores = exact_top_k(gallery, queries, 50)
    full = queries @ gallery.T
    expected = np.argsort(-full, axis=1, kind="stable")[:, :50]
    assert np.array_equal(indices, expected)
    assert np.allclose(scores, np.take_along_axis(full, expected, axis=1), atol=1e-6)
