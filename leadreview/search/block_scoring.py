"""Scores of a block of probes against a block of gallery rows: the product `topk` runs
once per block, by the compiled kernel when it is built, else by numpy.

The kernel (`_kernels.c`) multiplies float16 rows as stored (F16C converts them in
registers) and float32 rows alike, accumulating in float32, on a thread per core (it
releases the GIL). numpy has no float16 product: its path converts a float16 block to
float32 first (about 1.6 GB/s on one thread, ten times the product's own time), then
hands it to BLAS.

Both paths give the inner products of the vectors as stored, accumulated in float32;
they may round differently in the last bits (the order of the additions differs), which
the top-k tolerates: `matching` rescoring candidates in float64 settles the final order.

By default the kernel scores float16 galleries and BLAS scores float32 ones: measured
side by side on an idle two-core machine (1M faces, top 50), BLAS's float32 product was
the faster of the two (one probe 12.8 vs 16.4 ms, a batch of 64 117 vs 133 ms), while
the kernel reads float16 as stored (one probe 8.7 vs 259 ms, a batch 123 vs 277 ms).
`LEADREVIEW_SEARCH_KERNEL=kernel` sends float32 to the kernel too and `=numpy` forces
the numpy path for both (read per search), so the paths can be compared and tested on
one machine; an install without a C compiler has only the numpy path.

With the kernel, the blocks after the first are selected inside it (`above`): each
register tile of scores is compared with the probes' running thresholds and only the
few that reach them leave the kernel, so those blocks' scores are never stored.
"""

import itertools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType

import numpy as np
import numpy.typing as npt

FloatMatrix = npt.NDArray[np.float32]
GalleryMatrix = npt.NDArray[np.float32] | npt.NDArray[np.float16]
FloatVector = npt.NDArray[np.float32]
IndexVector = npt.NDArray[np.int64]

KERNEL_ENV = "LEADREVIEW_SEARCH_KERNEL"
# Below this many multiply-adds, a thread hand-off costs more than it saves.
_PARALLEL_FROM_MULTIPLY_ADDS = 2_000_000


def _load_kernels() -> ModuleType | None:
    try:
        from leadreview.search import _kernels
    except ImportError:  # built without a C compiler: the numpy path
        return None
    module: ModuleType = _kernels
    return module


def kernel_built() -> bool:
    """Whether the compiled kernel is installed (whatever the environment asks)."""
    return _load_kernels() is not None


def _kernel_wanted(dtype: np.dtype[np.generic]) -> bool:
    choice = os.environ.get(KERNEL_ENV, "").strip().lower()
    if choice == "numpy":
        return False
    return choice == "kernel" or dtype == np.float16


def kernel_threads() -> int:
    """Threads the kernel splits a block between: the cores this process may use, or
    fewer when the BLAS thread count is set (a command running seeds in worker
    processes gives each a share of the cores that way; the kernel replaces BLAS in the
    product, so it takes the same share)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    threads = cores or 1
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        value = os.environ.get(name, "").strip()
        if value.isdigit() and int(value) > 0:
            threads = min(threads, int(value))
    return threads


class KernelScorer:
    """The kernel over a thread per core: whole score blocks (`score`), or only the
    scores at or above per-query thresholds (`above`), never storing the others.

    `capacity` entries (query, row, score: 20 bytes each) are allocated once per search
    and shared between the threads, a slice each."""

    def __init__(self, kernels: ModuleType, pool: Callable[[], ThreadPoolExecutor]) -> None:
        self._kernels = kernels
        self._pool = pool
        self._workers = kernel_threads()
        self.reserve(0)

    def reserve(self, capacity: int) -> None:
        """Room for `capacity` scores found by `above` (20 bytes each), allocated once."""
        self._rows = np.empty(capacity, dtype=np.int64)
        self._queries = np.empty(capacity, dtype=np.int64)
        self._scores = np.empty(capacity, dtype=np.float32)

    def _spans(self, rows: int, queries: FloatMatrix) -> list[tuple[int, int]]:
        if self._workers == 1 or rows * queries.size < _PARALLEL_FROM_MULTIPLY_ADDS:
            return [(0, rows)]
        bounds = np.linspace(0, rows, self._workers + 1).astype(int).tolist()
        return list(itertools.pairwise(bounds))

    def _each(
        self, action: Callable[[int, tuple[int, int]], int], spans: list[tuple[int, int]]
    ) -> list[int]:
        if len(spans) == 1:
            return [action(0, spans[0])]
        # list(): wait for every slice and re-raise the first error in this thread.
        return list(self._pool().map(action, range(len(spans)), spans))

    def score(self, block: GalleryMatrix, queries: FloatMatrix, out: FloatMatrix) -> None:
        """out[q, r] = queries[q] . block[r]."""

        def run(_: int, span: tuple[int, int]) -> int:
            self._kernels.score(block, queries, out, span[0], span[1])
            return 0

        self._each(run, self._spans(block.shape[0], queries))

    def above(
        self, block: GalleryMatrix, queries: FloatMatrix, thresholds: FloatMatrix, limit: int
    ) -> tuple[IndexVector, IndexVector, FloatVector] | None:
        """(query, row, score) of every score >= its query's threshold, or None when
        more than `limit` (at most the capacity) pass."""
        spans = self._spans(block.shape[0], queries)
        share = min(limit, self._scores.size) // len(spans)
        if share == 0:
            return None

        def run(i: int, span: tuple[int, int]) -> int:
            part = slice(i * share, (i + 1) * share)
            found: int = self._kernels.score_above(
                block, queries, thresholds, self._rows[part], self._queries[part],
                self._scores[part], span[0], span[1],
            )  # fmt: skip
            return found

        counts = self._each(run, spans)
        if min(counts) < 0:
            return None
        parts = [slice(i * share, i * share + count) for i, count in enumerate(counts)]
        return (
            np.concatenate([self._queries[p] for p in parts]),
            np.concatenate([self._rows[p] for p in parts]),
            np.concatenate([self._scores[p] for p in parts]),
        )


def block_scorer(
    gallery: GalleryMatrix, pool: Callable[[], ThreadPoolExecutor]
) -> KernelScorer | None:
    """The kernel's scorer for this gallery, or None: use `numpy_scores`.

    The kernel reads C-contiguous float16 or float32 rows (a memory map is); any other
    gallery takes the numpy path. `pool` gives the threads that split a block's rows."""
    kernels = _load_kernels()
    if kernels is None or not _kernel_wanted(gallery.dtype):
        return None
    if gallery.dtype not in (np.float16, np.float32) or not gallery.flags.c_contiguous:
        return None
    return KernelScorer(kernels, pool)


def numpy_scores(
    block: GalleryMatrix, queries: FloatMatrix, out: FloatMatrix, convert_buffer: FloatMatrix
) -> None:
    """BLAS's product; a float16 block is converted into `convert_buffer` first."""
    rows: FloatMatrix
    if block.dtype == np.float32:
        rows = np.asarray(block)
    else:
        rows = convert_buffer[: block.size].reshape(block.shape)
        np.copyto(rows, block, casting="same_kind")
    np.matmul(queries, rows.T, out=out)
