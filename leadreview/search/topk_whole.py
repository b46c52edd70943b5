"""Exact top-k of a batch over a small gallery: the whole score matrix at once.

When every probe's scores against every face fit the search's memory budget (535
probes x 25,000 faces: 54 MB of the default 256 MB), the blocked loop of `topk` has
nothing to save: one product fills the matrix (BLAS on every core, or the kernel for
float16), then each row's best k are picked by the compiled `top_rows`
(`_batch_kernels.c`): one pass over the row against its running k-th best, rows split
between a thread per core. Measured on this search, a row-wise argpartition (one core)
and the threshold's partial sort cost several times the product itself; this is about
its tenth.

Results are those of `topk.exact_top_k`: the k highest scores per row, best first,
equal scores by gallery index; here a tie at the k-th place also goes to the lower
index. Without the compiled module (or with `LEADREVIEW_SEARCH_KERNEL=numpy`), or when
a row holds a NaN, `whole_matrix_top_k` returns None and the blocked loop runs.
"""

import itertools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType

import numpy as np
import numpy.typing as npt

from leadreview.compiled_paths import chosen
from leadreview.search.block_scoring import (
    GalleryMatrix,
    block_scorer,
    kernel_threads,
    numpy_scores,
)

FloatMatrix = npt.NDArray[np.float32]
IndexMatrix = npt.NDArray[np.int64]

# Galleries up to this many faces may take this path (larger ones are the blocked
# loop's: its first block and running thresholds are tuned for them).
WHOLE_MATRIX_MAX_ROWS = 262_144
# Below this many scores a thread hand-off costs more than it saves.
_PARALLEL_FROM_SCORES = 1_000_000


def batch_kernels() -> ModuleType | None:
    """The compiled `_batch_kernels`, or None (not built, or the numpy path asked for)."""
    if chosen().search == "numpy":
        return None
    try:
        from leadreview.search import _batch_kernels
    except ImportError:  # built without a C compiler: the numpy path
        return None
    module: ModuleType = _batch_kernels
    return module


def whole_matrix_fits(queries: int, gallery: GalleryMatrix, budget_bytes: int) -> bool:
    """Whether the (queries, faces) float32 scores, and a float32 copy of a float16
    gallery for numpy's product, fit `budget_bytes`."""
    n, d = gallery.shape
    converted = 0 if gallery.dtype == np.float32 else 4 * n * d
    return bool(n <= WHOLE_MATRIX_MAX_ROWS and 4 * queries * n + converted <= budget_bytes)


def row_spans(rows: int, work: int) -> list[tuple[int, int]]:
    """Rows split into one span per thread, or one span when `work` is small."""
    threads = min(kernel_threads(), rows)
    if threads <= 1 or work < _PARALLEL_FROM_SCORES:
        return [(0, rows)]
    bounds = np.linspace(0, rows, threads + 1).astype(int).tolist()
    return list(itertools.pairwise(bounds))


def whole_matrix_top_k(
    gallery: GalleryMatrix,
    queries: FloatMatrix,
    k: int,
    pool: Callable[[], ThreadPoolExecutor],
    kernels: ModuleType | None = None,
) -> tuple[IndexMatrix, FloatMatrix] | None:
    """Indices and scores of each query's k best gallery rows, best first, or None when
    this path cannot answer (no compiled module, or a NaN score)."""
    compiled = kernels or batch_kernels()
    if compiled is None:
        return None
    m, n = queries.shape[0], gallery.shape[0]
    scores = np.empty((m, n), dtype=np.float32)
    scorer = block_scorer(gallery, pool)
    if scorer is not None:
        scorer.score(gallery, queries, scores)
    else:
        converted = np.empty(0 if gallery.dtype == np.float32 else gallery.size, np.float32)
        numpy_scores(gallery, queries, scores, converted)
    indices = np.empty((m, k), dtype=np.int64)
    best = np.empty((m, k), dtype=np.float32)

    def select(span: tuple[int, int]) -> int:
        status: int = compiled.top_rows(scores, indices, best, span[0], span[1])
        return status

    spans = row_spans(m, m * n)
    statuses = [select(spans[0])] if len(spans) == 1 else list(pool().map(select, spans))
    if any(status != 0 for status in statuses):
        return None
    return indices, best
