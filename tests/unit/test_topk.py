import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from leadreview.search.topk import exact_top_k
from tests.support.search import on_both_product_paths  # noqa: F401 (every test, both paths)


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


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 400),
    m=st.integers(1, 300),
    k=st.integers(1, 40),
    budget=st.integers(1, 20_000),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_budget_gives_the_same_result(n: int, m: int, k: int, budget: int, seed: int) -> None:
    # Tiny budgets force many gallery blocks (down to one row each) and probe blocks:
    # the running top-k must still be exactly the one-block answer.
    rng = np.random.default_rng(seed)
    gallery = unit_rows(rng, n, 8)
    queries = unit_rows(rng, m, 8)
    indices, scores = exact_top_k(gallery, queries, k, budget_bytes=budget)
    whole, whole_scores = exact_top_k(gallery, queries, k, budget_bytes=2**30)
    assert np.array_equal(indices, whole)
    assert np.allclose(scores, whole_scores, atol=1e-6)


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 300),
    m=st.integers(1, 20),
    k=st.integers(1, 40),
    budget=st.sampled_from([64, 5_000, 2**30]),
    seed=st.integers(0, 2**32 - 1),
)
@example(n=267, m=20, k=7, budget=64, seed=1418383)  # a near-tie at the 7th place (kernel)
def test_a_float16_gallery_is_ranked_exactly_as_stored(
    n: int, m: int, k: int, budget: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    gallery16 = unit_rows(rng, n, 16).astype(np.float16)
    queries = unit_rows(rng, m, 16)
    indices, scores = exact_top_k(gallery16, queries, k, budget_bytes=budget)
    # Exact for the float16 vectors as stored, against a float64 full sort of the same
    # values, up to float32 accumulation: products are summed in float32 (by BLAS or the
    # kernel, in different orders), so two faces whose true cosines differ by less than
    # float32 can resolve (~6e-8 here; seen: 0.53285477 vs 0.53285484) may swap at the
    # k-th place. Anything clearly better than the k-th must be in; nothing clearly worse.
    full = queries.astype(np.float64) @ gallery16.astype(np.float64).T
    near = 1e-6
    for row in range(m):
        expected = np.lexsort((np.arange(n), -full[row]))[: min(k, n)]
        kth = full[row][expected[-1]]
        got = indices[row]
        assert len(set(got.tolist())) == len(got) == len(expected)
        assert np.allclose(scores[row], full[row][got], atol=near)
        assert np.all(full[row][got] >= kth - near)
        clearly_in = np.flatnonzero(full[row] > kth + near)
        assert set(clearly_in.tolist()) <= set(got.tolist())
        # Where no two of the top k are within float32 reach, the order is exact.
        if np.all(np.abs(np.diff(np.sort(full[row])[::-1][: min(k, n) + 1])) > near):
            assert np.array_equal(got, expected)


def test_working_memory_stays_within_the_budget() -> None:
    import tracemalloc

    rng = np.random.default_rng(5)
    gallery = unit_rows(rng, 40_000, 16)
    queries = unit_rows(rng, 300, 16)
    budget = 4 * 2**20
    exact_top_k(gallery[:1000], queries[:4], 50, budget_bytes=budget)  # warm the pool
    for matrix in (gallery, gallery.astype(np.float16)):
        tracemalloc.start()
        try:
            exact_top_k(matrix, queries, 50, budget_bytes=budget)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        # Scoring at once would hold 300 x 40,000 scores (48 MB, and twice that in
        # indices); the results are 300 x 50 x 12 bytes, merged a few times over.
        results = queries.shape[0] * 50 * 12
        assert peak < budget + 6 * results, (matrix.dtype, peak)


def test_one_probe_selects_in_parallel_slices_with_the_same_result() -> None:
    # One probe over enough faces that the block's columns are split between threads.
    rng = np.random.default_rng(4)
    gallery = unit_rows(rng, 600_000, 4)
    query = unit_rows(rng, 1, 4)
    indices, scores = exact_top_k(gallery, query, 50)
    full = (query @ gallery.T)[0]
    expected = np.lexsort((np.arange(len(full)), -full))[:50]
    assert np.array_equal(indices[0], expected)
    assert np.allclose(scores[0], full[expected], atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(
    distinct=st.integers(1, 12),
    copies=st.integers(1, 400),
    m=st.integers(1, 6),
    k=st.integers(1, 60),
    budget=st.sampled_from([64, 3_000, 40_000, 2**30]),
    seed=st.integers(0, 2**32 - 1),
)
def test_many_faces_tied_at_the_threshold_keep_the_best_scores(
    distinct: int, copies: int, m: int, k: int, budget: int, seed: int
) -> None:
    """The running threshold keeps only scores at or above the k-th best so far; when most
    of a block ties with it, that block falls back to argpartition. Either way each row
    holds exactly the k best scores (which of the tied faces make the cut is not fixed)."""
    rng = np.random.default_rng(seed)
    gallery = np.repeat(unit_rows(rng, distinct, 16), copies, axis=0)
    rng.shuffle(gallery)
    queries = unit_rows(rng, m, 16)
    indices, scores = exact_top_k(gallery, queries, k, budget_bytes=budget)
    full = queries @ gallery.T
    expected = -np.sort(-full, axis=1)[:, : min(k, len(gallery))]
    assert np.allclose(scores, expected, atol=1e-6)
    assert np.allclose(scores, np.take_along_axis(full, indices, axis=1), atol=1e-6)
    assert all(len(set(row.tolist())) == indices.shape[1] for row in indices)


def test_the_path_each_run_asks_for_is_the_one_in_force(request: pytest.FixtureRequest) -> None:
    from leadreview import compiled_paths
    from leadreview.search.block_scoring import _kernel_wanted

    asked = request.node.callspec.params["on_both_product_paths"]
    assert compiled_paths.chosen().search == asked
    assert _kernel_wanted() is (asked == "kernel")
