"""Exact top-k by inner product: one BLAS matrix product per block of queries, then a
partial sort of each row. No approximation: every gallery face is scored.

Embeddings are unit vectors, so the inner product is the cosine similarity.
"""

import itertools
import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import numpy as np
import numpy.typing as npt

FloatMatrix = npt.NDArray[np.float32]
IndexMatrix = npt.NDArray[np.int64]

# Rows of queries scored at once: large enough for BLAS to run at full speed, small
# enough that the (block x gallery) score matrix stays in a few tens of MB ...
_TARGET_BLOCK_ELEMENTS = 4_000_000
# ... but never fewer rows than this: each block reads the whole gallery, and a large
# gallery (1M faces, 512 MB) read once per handful of probes would bound the search
# by memory bandwidth. 64 rows against 1M faces is a 256 MB score block.
_MIN_BLOCK_ROWS = 64
# Below this many scores per block, handing rows to threads costs more than it saves.
_PARALLEL_FROM_ELEMENTS = 500_000


@cache
def _selection_pool() -> ThreadPoolExecutor:
    # argpartition releases the GIL, so row slices select in parallel; BLAS already
    # uses every core for the product, the selection would otherwise run on one.
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 1, thread_name_prefix="topk")


def _select_rows(scores: FloatMatrix, k: int) -> tuple[IndexMatrix, FloatMatrix]:
    n = scores.shape[1]
    if k < n:
        # The k largest sit at the end after partitioning around n-k: no negated copy.
        part = np.argpartition(scores, n - k, axis=1)[:, n - k :]
    else:
        part = np.broadcast_to(np.arange(n), scores.shape).copy()
    part_scores = np.take_along_axis(scores, part, axis=1)
    # Sort by score descending, then index ascending, so the order is fully determined.
    order = np.lexsort((part, -part_scores), axis=1)
    return np.take_along_axis(part, order, axis=1), np.take_along_axis(part_scores, order, axis=1)


def _select(scores: FloatMatrix, k: int) -> tuple[IndexMatrix, FloatMatrix]:
    rows = scores.shape[0]
    workers = os.cpu_count() or 1
    if workers == 1 or rows < 2 or scores.size < _PARALLEL_FROM_ELEMENTS:
        return _select_rows(scores, k)
    bounds = np.linspace(0, rows, min(workers, rows) + 1).astype(int)
    parts = list(
        _selection_pool().map(
            lambda span: _select_rows(scores[span[0] : span[1]], k),
            itertools.pairwise(bounds),
        )
    )
    return np.vstack([p[0] for p in parts]), np.vstack([p[1] for p in parts])


def exact_top_k(
    gallery: FloatMatrix, queries: FloatMatrix, k: int
) -> tuple[IndexMatrix, FloatMatrix]:
    """Indices and cosines of the k highest-scoring gallery rows per query, best first.

    `gallery` is (n, d) float32 (a memory-mapped array works), `queries` is (m, d).
    Results are deterministic: equal scores are listed by gallery index. When faces tie
    exactly at the k-th score, which of them make the cut is fixed but not necessarily
    the lowest indices (checking would cost a third of the search; exact float ties
    between distinct synthetic faces do not occur in practice).
    """
    n = gallery.shape[0]
    m = queries.shape[0]
    k = min(k, n)
    indices = np.empty((m, k), dtype=np.int64)
    scores = np.empty((m, k), dtype=np.float32)
    if m == 0 or k == 0:
        return indices, scores
    block = max(_MIN_BLOCK_ROWS, _TARGET_BLOCK_ELEMENTS // max(n, 1))
    queries32 = np.ascontiguousarray(queries, dtype=np.float32)
    for start in range(0, m, block):
        stop = min(start + block, m)
        indices[start:stop], scores[start:stop] = _select(queries32[start:stop] @ gallery.T, k)
    return indices, scores
