"""Exact top-k by inner product: one BLAS matrix product per block of queries, then a
partial sort of each row. No approximation: every gallery face is scored.

Embeddings are unit vectors, so the inner product is the cosine similarity.
"""

import numpy as np
import numpy.typing as npt

FloatMatrix = npt.NDArray[np.float32]
IndexMatrix = npt.NDArray[np.int64]

# Rows of queries scored at once: large enough for BLAS to run at full speed, small
# enough that the (block x gallery) score matrix stays in a few tens of MB.
_TARGET_BLOCK_ELEMENTS = 4_000_000


def exact_top_k(
    gallery: FloatMatrix, queries: FloatMatrix, k: int
) -> tuple[IndexMatrix, FloatMatrix]:
    """Indices and cosines of the k highest-scoring gallery rows per query, best first.

    `gallery` is (n, d) float32 (a memory-mapped array works), `queries` is (m, d).
    Ties are broken by the lower gallery index, so results are deterministic.
    """
    n = gallery.shape[0]
    m = queries.shape[0]
    k = min(k, n)
    indices = np.empty((m, k), dtype=np.int64)
    scores = np.empty((m, k), dtype=np.float32)
    if m == 0 or k == 0:
        return indices, scores
    block = max(1, _TARGET_BLOCK_ELEMENTS // max(n, 1))
    queries32 = np.ascontiguousarray(queries, dtype=np.float32)
    for start in range(0, m, block):
        stop = min(start + block, m)
        block_scores = queries32[start:stop] @ gallery.T
        if k < n:
            part = np.argpartition(-block_scores, k - 1, axis=1)[:, :k]
        else:
            part = np.broadcast_to(np.arange(n), (stop - start, n)).copy()
        part_scores = np.take_along_axis(block_scores, part, axis=1)
        # Sort by score descending, then index ascending, for stable ties.
        order = np.lexsort((part, -part_scores), axis=1)
        indices[start:stop] = np.take_along_axis(part, order, axis=1)
        scores[start:stop] = np.take_along_axis(part_scores, order, axis=1)
    return indices, scores
