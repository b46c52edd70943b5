"""Exact top-k by inner product in a fixed memory budget: the product and the selection
fused over blocks of the gallery, with a running top-k per query. No approximation:
every gallery face is scored.

Embeddings are unit vectors, so the inner product is the cosine similarity.

Memory. Scoring a batch of m probes against n faces at once would hold m x n scores
(64 probes x 10M faces: 2.4 GiB, and 7.3 GiB with the selection's indices). Instead
the gallery is read one block of rows at a time: a block of probes is scored against it
into a buffer allocated once per search, each probe's best k of the block are selected
and merged into its running best k. The buffers (scores, the selection's indices, the
scores the kernel keeps and, on numpy's path, a float16 block converted to float32) fit
in `budget_bytes` whatever m and n are; above them the search holds only the gallery
itself (a memory map is read, never copied) and the m x k results.

Product. The compiled kernel (`block_scoring`, `_kernels.c`) when it is built, else
BLAS through numpy; both accumulate in float32.

float16. A float16 gallery is kept as float16 (half the memory and the bandwidth). The
kernel converts its values in registers (F16C); numpy's path converts each block to
float32 into a reused buffer first (numpy has no float16 product). The
ranking is exact for the vectors as stored: storing a unit vector in float16 moves each
cosine by at most about 1e-3 (each component is rounded to 11 significant bits), so two
faces whose float32 cosines differ by less than that may swap places against a float32
copy of the same gallery; the results are still exactly the best k of the float16
vectors.

Selection. Each probe keeps a threshold every one of its final k best must reach: the
k-th best score kept so far (before the first k, the k-th best of the block's first
16,384 columns; with the kernel, of the first 4,096 of its first block). A block's
scores are compared with it in one pass and only those at or above it — a few per probe
once the threshold settles — are sorted into the running best k. Reordering the whole
block with argpartition cost more than the product; it remains for blocks where too many
scores pass (mass ties), so the budget holds. With the kernel, a first block of 16,384
rows settles the thresholds and every later block is compared with them inside the
kernel, tile by tile in registers: its scores are never stored.

Cores. The kernel (or BLAS) uses every core for the product; the comparison and argpartition (both
release the GIL) are split across a thread per core, by probes when there are enough,
otherwise (argpartition) by slices of the gallery block, whose best k are merged.
"""

import itertools
import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import numpy as np
import numpy.typing as npt

from leadreview.search.block_scoring import GalleryMatrix, block_scorer, numpy_scores
from leadreview.search.topk_whole import whole_matrix_fits, whole_matrix_top_k

FloatMatrix = npt.NDArray[np.float32]
IndexMatrix = npt.NDArray[np.int64]

DEFAULT_BUDGET_BYTES = 256 * 2**20
"""Working memory of one search above the gallery and its results, by default."""
# Per score held: its float32 value, the int64 index argpartition returns for it,
# whether it passes the running threshold and, with the kernel, room for one score in
# 16 to pass it inside the kernel (query, row, score: 20 bytes; see _MAX_CANDIDATE_SHARE).
_BYTES_PER_SCORE = 4 + 8 + 1 + 2
# Probes scored against a gallery block at once: enough rows for BLAS to run at full
# speed; more only shrink the gallery block that fits in the budget.
_MAX_QUERY_ROWS = 256
# Below this many scores, handing slices to threads costs more than it saves.
_PARALLEL_FROM_ELEMENTS = 500_000
# Columns of a probe's first block whose k-th best score starts its threshold.
_SAMPLE_COLUMNS = 16_384
# With the kernel: the rows of the first block (scored and stored; the later blocks are
# selected inside the kernel against the k-th best kept so far), and the columns of it
# whose k-th best starts the threshold. A sample of a quarter of the block keeps about
# 4k candidates a probe and partitions a quarter of the scores: about 5 ms less of the
# 64-probe batch's 200 ms of CPU (1M float16 faces, one thread).
_KERNEL_FIRST_ROWS = 16_384
_KERNEL_SAMPLE_COLUMNS = 4_096
# Above this share of a block's scores passing the threshold, the candidates' indices
# would outgrow the budget: that block is selected by argpartition instead.
_MAX_CANDIDATE_SHARE = 1 / 16


@cache
def _selection_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="topk")


def selection_pool() -> ThreadPoolExecutor:
    """The search's threads (a thread per core), shared with the rescoring (`matching`)."""
    return _selection_pool()


def _best_unsorted(scores: FloatMatrix, k: int, offset: int) -> tuple[IndexMatrix, FloatMatrix]:
    """Each row's k highest scores (any order) and their columns plus `offset`."""
    width = scores.shape[1]
    if k < width:
        # The k largest sit at the end after partitioning around width-k: no negated copy.
        part = np.argpartition(scores, width - k, axis=1)[:, width - k :]
        return part + offset, np.take_along_axis(scores, part, axis=1)
    columns = np.broadcast_to(np.arange(offset, offset + width, dtype=np.int64), scores.shape)
    return columns.copy(), scores.copy()


def _block_best(scores: FloatMatrix, k: int, offset: int) -> tuple[IndexMatrix, FloatMatrix]:
    """`_best_unsorted` over a block of scores, split across cores when it is large."""
    rows, width = scores.shape
    workers = os.cpu_count() or 1
    if workers == 1 or scores.size < _PARALLEL_FROM_ELEMENTS:
        return _best_unsorted(scores, k, offset)
    pool = _selection_pool()
    if rows >= workers:
        bounds = np.linspace(0, rows, workers + 1).astype(int).tolist()
        parts = list(
            pool.map(
                lambda span: _best_unsorted(scores[span[0] : span[1]], k, offset),
                itertools.pairwise(bounds),
            )
        )
        return np.vstack([p[0] for p in parts]), np.vstack([p[1] for p in parts])
    # Few probes (one, typically): each thread takes a slice of the block's columns.
    bounds = np.linspace(0, width, workers + 1).astype(int).tolist()
    parts = list(
        pool.map(
            lambda span: _best_unsorted(scores[:, span[0] : span[1]], k, offset + span[0]),
            itertools.pairwise(bounds),
        )
    )
    return np.hstack([p[0] for p in parts]), np.hstack([p[1] for p in parts])


def _keep_best(
    indices: IndexMatrix, scores: FloatMatrix, k: int
) -> tuple[IndexMatrix, FloatMatrix]:
    if scores.shape[1] <= k:
        return indices, scores
    width = scores.shape[1]
    part = np.argpartition(scores, width - k, axis=1)[:, width - k :]
    return np.take_along_axis(indices, part, axis=1), np.take_along_axis(scores, part, axis=1)


def _threshold(
    scores: FloatMatrix, best: FloatMatrix, k: int, sample_columns: int
) -> FloatMatrix | None:
    """Per row, a score every one of its final k best reaches: the k-th best kept so far,
    or, before k are kept, the k-th best of the block's first columns (the k-th best of
    any k or more scores seen is at most the k-th best of all). None: too few columns."""
    if best.shape[1] >= k:
        kth_kept: FloatMatrix = best.min(axis=1)
        return kth_kept
    sample = min(scores.shape[1], max(sample_columns, 4 * k))
    if best.shape[1] > 0 or sample <= k:
        return None
    sampled: FloatMatrix = np.partition(scores[:, :sample], sample - k, axis=1)[:, sample - k]
    return sampled


def _merge_candidates(
    scores: FloatMatrix,
    threshold: FloatMatrix,
    best_i: IndexMatrix,
    best_s: FloatMatrix,
    k: int,
    offset: int,
    passing: npt.NDArray[np.bool_],
) -> tuple[IndexMatrix, FloatMatrix] | None:
    """The running best k merged with the block's scores at or above `threshold`, or None
    when too many pass (ties, or a threshold not yet selective) to do it in the budget.

    Comparing every score with one number per row is a single cheap pass; only the few
    scores that pass are sorted, where argpartition would reorder the whole block."""
    rows, width = scores.shape
    flat = _passing_positions(
        scores, threshold, passing, max(rows * k, rows * width * _MAX_CANDIDATE_SHARE)
    )
    if flat is None:
        return None
    row, column = np.divmod(flat, width)
    return _merge_found(row, column + offset, scores.ravel()[flat], best_i, best_s, k)


def _merge_found(
    row: IndexMatrix,
    index: IndexMatrix,
    value: FloatMatrix,
    best_i: IndexMatrix,
    best_s: FloatMatrix,
    k: int,
) -> tuple[IndexMatrix, FloatMatrix] | None:
    """Each row's best k of its kept entries and the found (row, gallery index, score)
    entries, or None when a row has fewer than k in all (a NaN threshold passes none)."""
    rows, kept = best_s.shape
    all_rows = np.concatenate((np.repeat(np.arange(rows), kept), row))
    all_indices = np.concatenate((best_i.ravel(), index))
    all_scores = np.concatenate((best_s.ravel(), value))
    # By row, best score first; every row has at least k entries (its k kept, or the k
    # sampled scores that set its threshold), so the first k of each row fill the result.
    if np.bincount(all_rows, minlength=rows).min() < k:
        return None
    order = _by_row_best_first(all_rows, all_scores)
    starts = np.searchsorted(all_rows[order], np.arange(rows))
    take = (starts[:, None] + np.arange(k)).ravel()
    chosen = order[take]
    return all_indices[chosen].reshape(rows, k), all_scores[chosen].reshape(rows, k)


def _passing_positions(
    scores: FloatMatrix, threshold: FloatMatrix, passing: npt.NDArray[np.bool_], limit: float
) -> IndexMatrix | None:
    """Flat positions of the scores at or above their row's threshold, or None when more
    than `limit` pass (counted before any position is stored, so the budget holds). On a
    thread per core by slices of rows: numpy frees the GIL in these passes. Flat
    positions: numpy finds them in a tenth of the time of (row, column) pairs."""
    rows, width = scores.shape
    flat_passing = passing.reshape(-1)

    def compare(span: tuple[int, int]) -> int:
        first, last = span
        np.greater_equal(scores[first:last], threshold[first:last, None], out=passing[first:last])
        return int(np.count_nonzero(flat_passing[first * width : last * width]))

    def find(span: tuple[int, int]) -> IndexMatrix:
        first, last = span[0] * width, span[1] * width
        positions: IndexMatrix = np.flatnonzero(flat_passing[first:last]) + first
        return positions

    workers = os.cpu_count() or 1
    if workers == 1 or rows < workers or scores.size < _PARALLEL_FROM_ELEMENTS:
        spans = [(0, rows)]
        if compare(spans[0]) > limit:
            return None
        return find(spans[0])
    pool = _selection_pool()
    spans = list(itertools.pairwise(np.linspace(0, rows, workers + 1).astype(int).tolist()))
    if sum(pool.map(compare, spans)) > limit:
        return None
    return np.concatenate(list(pool.map(find, spans)))


def _by_row_best_first(rows: IndexMatrix, scores: FloatMatrix) -> IndexMatrix:
    """The order that sorts entries by row, then best score first."""
    if scores.size and scores.min() >= -1.5 and scores.max() <= 1.5:
        # Cosines: row + (1.5 - score) / 4 stays inside the row's unit interval and keeps
        # float32 scores apart in float64. One key argsorts in a third of lexsort's time.
        by_key: IndexMatrix = np.argsort(rows + (1.5 - scores.astype(np.float64)) / 4.0)
        return by_key
    by_keys: IndexMatrix = np.lexsort((-scores, rows))
    return by_keys


def block_rows(queries: int, dimension: int, budget_bytes: int, converts: bool) -> int:
    """Gallery rows per block so that a block of `queries` probes' buffers fit the budget."""
    per_row = queries * _BYTES_PER_SCORE + (4 * dimension if converts else 0)
    return max(1, budget_bytes // per_row)


def _block_starts(n: int, rows: int, first: int) -> list[tuple[int, int]]:
    """(start, stop) of each gallery block: the first `first` rows, then `rows` at a time."""
    bounds = [0, *range(min(first, n), n, rows), n] if first < rows else [*range(0, n, rows), n]
    return [(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def exact_top_k(
    gallery: GalleryMatrix,
    queries: FloatMatrix,
    k: int,
    *,
    budget_bytes: int = DEFAULT_BUDGET_BYTES,
) -> tuple[IndexMatrix, FloatMatrix]:
    """Indices and cosines of the k highest-scoring gallery rows per query, best first.

    `gallery` is (n, d) float32 or float16 (a memory-mapped array works and is read a
    block at a time), `queries` is (m, d). Working memory stays within `budget_bytes`
    (see the module's docstring) for any m and n. Results are deterministic: equal
    scores are listed by gallery index. When faces tie exactly at the k-th score, which
    of them make the cut is fixed but not necessarily the lowest indices (checking would
    cost a third of the search; exact float ties between distinct synthetic faces do not
    occur in practice).
    """
    n, d = gallery.shape
    m = queries.shape[0]
    k = min(k, n)
    if m == 0 or k == 0:
        return np.empty((m, k), dtype=np.int64), np.empty((m, k), dtype=np.float32)
    if whole_matrix_fits(m, gallery, budget_bytes):
        # A small gallery: one product and a compiled selection per row (topk_whole).
        queries_in = np.ascontiguousarray(queries, dtype=np.float32)
        whole = whole_matrix_top_k(gallery, queries_in, k, _selection_pool)
        if whole is not None:
            return whole
    query_rows = min(m, _MAX_QUERY_ROWS)
    kernel = block_scorer(gallery, _selection_pool)
    # Only numpy's path needs a float32 copy of a float16 block (the kernel reads it).
    converts = kernel is None and gallery.dtype != np.float32
    rows = min(n, block_rows(query_rows, d, budget_bytes, converts))
    limit = int(max(query_rows * k, query_rows * rows * _MAX_CANDIDATE_SHARE))
    if kernel is not None:
        kernel.reserve(limit)
    queries32 = np.ascontiguousarray(queries, dtype=np.float32)
    # Allocated once per search, reused by every block (views of the first elements).
    score_buffer = np.empty(query_rows * rows, dtype=np.float32)
    passing_buffer = np.empty(query_rows * rows, dtype=np.bool_)
    convert_buffer = np.empty(rows * d if converts else 0, dtype=np.float32)
    best_indices = np.empty((m, 0), dtype=np.int64)
    best_scores = np.empty((m, 0), dtype=np.float32)
    # With the kernel, a small first block settles every probe's threshold, so that the
    # later blocks are selected inside the kernel (`above`) without storing scores.
    first = max(_KERNEL_FIRST_ROWS, 4 * k) if kernel is not None else rows
    sample_columns = _KERNEL_SAMPLE_COLUMNS if kernel is not None else _SAMPLE_COLUMNS
    for start, stop in _block_starts(n, rows, first):
        block = gallery[start:stop]
        merged_i, merged_s = [], []
        for q0 in range(0, m, query_rows):
            q1 = min(q0 + query_rows, m)
            kept_i, kept_s, probes = best_indices[q0:q1], best_scores[q0:q1], queries32[q0:q1]
            merged = None
            if kernel is not None and kept_s.shape[1] >= k:
                found = kernel.above(block, probes, kept_s.min(axis=1), limit)
                if found is not None:
                    row, column, value = found
                    merged = _merge_found(row, column + start, value, kept_i, kept_s, k)
            if merged is None:
                scores = score_buffer[: (q1 - q0) * (stop - start)].reshape(q1 - q0, stop - start)
                if kernel is not None:
                    kernel.score(block, probes, scores)
                else:
                    numpy_scores(block, probes, scores, convert_buffer)
                passing = passing_buffer[: scores.size].reshape(scores.shape)
                merged = _select(scores, kept_i, kept_s, k, start, passing, sample_columns)
            merged_i.append(merged[0])
            merged_s.append(merged[1])
        best_indices, best_scores = np.vstack(merged_i), np.vstack(merged_s)
    # Sort by score descending, then index ascending, so the order is fully determined.
    order = np.lexsort((best_indices, -best_scores), axis=1)
    return np.take_along_axis(best_indices, order, axis=1), np.take_along_axis(
        best_scores, order, axis=1
    )


def _select(
    scores: FloatMatrix,
    kept_i: IndexMatrix,
    kept_s: FloatMatrix,
    k: int,
    offset: int,
    passing: npt.NDArray[np.bool_],
    sample_columns: int,
) -> tuple[IndexMatrix, FloatMatrix]:
    """The kept best k merged with a block's stored scores: the few at or above the
    threshold when it is selective, else by argpartition."""
    threshold = _threshold(scores, kept_s, k, sample_columns)
    if threshold is not None:
        merged = _merge_candidates(scores, threshold, kept_i, kept_s, k, offset, passing)
        if merged is not None:
            return merged
    found_i, found_s = _block_best(scores, k, offset)
    return _keep_best(np.hstack((kept_i, found_i)), np.hstack((kept_s, found_s)), k)
