"""The batch search's compiled steps (`_batch_kernels.c`) against numpy's, and the
small-gallery path (`topk_whole`) against the blocked loop: the same results."""

from types import ModuleType

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadreview.search.face_store import FaceStore
from leadreview.search.matching import _exact_compiled, _exact_numpy, _rescore
from leadreview.search.topk import exact_top_k, selection_pool
from leadreview.search.topk_whole import batch_kernels, whole_matrix_fits, whole_matrix_top_k
from tests.support.compiled import use_paths
from tests.support.search import gallery_client, unit_rows


@pytest.fixture(scope="module")
def kernels() -> ModuleType:
    built = batch_kernels()
    if built is None:
        pytest.skip("the batch kernels are not built (no C compiler)")
    return built


def best_by_full_sort(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's k best, best first, equal scores by column: the order top_rows keeps."""
    columns = np.broadcast_to(np.arange(scores.shape[1]), scores.shape)
    order = np.lexsort((columns, -scores), axis=1)[:, :k]
    return order, np.take_along_axis(scores, order, axis=1)


@settings(max_examples=60, deadline=None)
@given(
    m=st.integers(1, 12),
    n=st.integers(1, 3_000),
    k=st.integers(1, 120),
    levels=st.sampled_from([0, 2, 7, 50]),
    seed=st.integers(0, 2**32 - 1),
)
def test_top_rows_equals_a_full_sort_ties_included(
    kernels: ModuleType, m: int, n: int, k: int, levels: int, seed: int
) -> None:
    """Random scores, or scores on a few levels (mass ties at the k-th place): the k best
    by score, then by column, exactly."""
    rng = np.random.default_rng(seed)
    scores = rng.standard_normal((m, n)).astype(np.float32)
    if levels:
        scores = np.round(scores * levels / 3).astype(np.float32)
    k = min(k, n)
    indices = np.empty((m, k), dtype=np.int64)
    best = np.empty((m, k), dtype=np.float32)
    assert kernels.top_rows(scores, indices, best, 0, m) == 0
    expected_i, expected_s = best_by_full_sort(scores, k)
    assert np.array_equal(indices, expected_i)
    assert np.array_equal(best, expected_s)


def test_top_rows_works_on_a_span_of_rows_only(kernels: ModuleType) -> None:
    scores = np.random.default_rng(1).standard_normal((6, 500)).astype(np.float32)
    indices = np.full((6, 10), -7, dtype=np.int64)
    best = np.zeros((6, 10), dtype=np.float32)
    assert kernels.top_rows(scores, indices, best, 2, 4) == 0
    expected_i, _ = best_by_full_sort(scores, 10)
    assert np.array_equal(indices[2:4], expected_i[2:4])
    assert np.all(indices[:2] == -7) and np.all(indices[4:] == -7)


def test_a_nan_score_sends_the_search_to_numpys_path(kernels: ModuleType) -> None:
    scores = np.random.default_rng(2).standard_normal((3, 300)).astype(np.float32)
    scores[1, 250] = np.nan
    indices = np.empty((3, 5), dtype=np.int64)
    best = np.empty((3, 5), dtype=np.float32)
    assert kernels.top_rows(scores, indices, best, 0, 3) == -1


def test_top_rows_refuses_what_it_cannot_read(kernels: ModuleType) -> None:
    scores = np.zeros((2, 8), dtype=np.float32)
    with pytest.raises(ValueError, match="k <= n"):
        kernels.top_rows(scores, np.empty((2, 9), np.int64), np.empty((2, 9), np.float32), 0, 2)
    with pytest.raises(TypeError, match="scores"):
        kernels.top_rows(scores.astype(np.float64), np.empty((2, 3), np.int64),
                         np.empty((2, 3), np.float32), 0, 2)  # fmt: skip
    with pytest.raises(ValueError, match="row range"):
        kernels.top_rows(scores, np.empty((2, 3), np.int64), np.empty((2, 3), np.float32), 0, 3)


@settings(max_examples=40, deadline=None)
@given(
    m=st.integers(1, 9),
    n=st.integers(1, 400),
    k=st.integers(1, 70),
    d=st.sampled_from([3, 8, 17, 128, 129, 300]),
    half=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_rescore_gives_numpys_float64_sums_bit_for_bit(
    kernels: ModuleType, m: int, n: int, k: int, d: int, half: bool, seed: int
) -> None:
    """Every dimension the pairwise sum treats differently (under 8, up to 128, above)."""
    rng = np.random.default_rng(seed)
    gallery = unit_rows(rng, n, d).astype(np.float16 if half else np.float32)
    queries = unit_rows(rng, m, d)
    candidates = rng.integers(0, n, size=(m, k))
    compiled = _exact_compiled(kernels, gallery, queries, candidates)
    assert np.array_equal(compiled, _exact_numpy(gallery, queries, candidates))


def test_rescore_splits_a_large_batch_between_threads_with_the_same_sums(
    kernels: ModuleType,
) -> None:
    rng = np.random.default_rng(3)
    gallery = unit_rows(rng, 5_000, 128)
    queries = unit_rows(rng, 300, 128)
    candidates = rng.integers(0, 5_000, size=(300, 66))
    ranked, cosines = _rescore(gallery, queries, candidates, kernels)
    expected_ranked, expected_cosines = _rescore(gallery, queries, candidates, None)
    assert np.array_equal(ranked, expected_ranked)
    assert np.array_equal(cosines, expected_cosines)


def test_rescore_refuses_a_candidate_outside_the_gallery(kernels: ModuleType) -> None:
    gallery = unit_rows(np.random.default_rng(4), 10, 8)
    out = np.empty((1, 1), dtype=np.float64)
    with pytest.raises(IndexError, match="outside the gallery"):
        kernels.rescore(gallery, gallery[:1], np.array([[10]], dtype=np.int64), out, 0, 1)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_the_whole_matrix_path_equals_the_blocked_loop(
    kernels: ModuleType, dtype: type, monkeypatch: pytest.MonkeyPatch
) -> None:
    """535 probes over 25,000 faces, the replay's shape: the same indices and scores as
    the blocked loop (random unit vectors do not tie)."""
    rng = np.random.default_rng(5)
    gallery = unit_rows(rng, 25_000, 128).astype(dtype)
    queries = unit_rows(rng, 535, 128)
    assert whole_matrix_fits(535, gallery, 256 * 2**20)
    found = whole_matrix_top_k(gallery, queries, 66, selection_pool, kernels)
    assert found is not None
    use_paths(monkeypatch, search="numpy")  # the blocked loop, and numpy's product
    blocked_i, blocked_s = exact_top_k(gallery, queries, 66)
    assert np.array_equal(found[0], blocked_i)
    assert np.allclose(found[1], blocked_s, atol=1e-6)


def test_a_gallery_whose_scores_exceed_the_budget_takes_the_blocked_loop() -> None:
    gallery = np.zeros((25_000, 128), dtype=np.float32)
    assert not whole_matrix_fits(535, gallery, 535 * 25_000 * 4 - 1)
    assert not whole_matrix_fits(1, np.zeros((300_000, 4), dtype=np.float32), 2**30)


def test_search_results_are_the_same_on_both_paths(
    kernels: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The search as the replay calls it: positions, similarities, cosines and ids equal
    whichever path selects and rescores."""
    client, _ = gallery_client(n=3_000, seed=6)
    probes = unit_rows(np.random.default_rng(7), 200)
    use_paths(monkeypatch, search="kernel")
    result = client.search_embeddings("gallery", probes, MaxFaces=40, FaceMatchThreshold=0)
    use_paths(monkeypatch, search="numpy")
    reference = client.search_embeddings("gallery", probes, MaxFaces=40, FaceMatchThreshold=0)
    assert np.array_equal(result.positions, reference.positions)
    assert np.array_equal(result.similarities, reference.similarities, equal_nan=True)
    assert np.array_equal(result.cosines, reference.cosines, equal_nan=True)
    assert np.array_equal(result.face_ids, reference.face_ids)


def test_face_ids_are_looked_up_when_read_not_by_the_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client, _ = gallery_client(n=500, seed=8)
    asked: list[int] = []
    original = FaceStore.face_ids

    def counting(store: FaceStore, positions: list[int]) -> list[str]:
        asked.append(len(positions))
        return original(store, positions)

    monkeypatch.setattr(FaceStore, "face_ids", counting)
    probes = unit_rows(np.random.default_rng(9), 30)
    result = client.search_embeddings("gallery", probes, MaxFaces=5, FaceMatchThreshold=0)
    assert asked == []
    first = result.face_ids
    assert asked == [int(result.counts.sum())]
    assert result.face_ids is first  # looked up once
    store = client._collections["gallery"].store
    for row in range(30):
        for position, face_id, _ in result.row(row):
            assert face_id == store.face_id(position)
    assert (first[result.positions == -1] == "").all()
