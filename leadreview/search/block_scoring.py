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

By default the kernel scores both float16 and float32 galleries. Earlier BLAS's
float32 product was the faster (one probe 12.8 vs 16.4 ms, a batch of 64 117 vs 133 ms,
idle); since the kernel reads each row whole (one probe) and tiles batches with AVX-512,
it does the same searches on less CPU than BLAS's search path (one thread each, 1M
float32 faces, top 50, CPU medians A B A B at load 6-7: one probe 20-23 vs 35-38 ms, a
batch of 64 232-251 vs 399-414 ms; see bench/bench_search.py), and BLAS's path also
stores every score of a block before selecting. `LEADREVIEW_SEARCH_KERNEL=numpy` forces
the numpy path (read per search; `=kernel` is the default's spelling), so the paths can
be compared and tested on one machine; an install without a C compiler has only the
numpy path.

With the kernel, the blocks after the first are selected inside it (`above`): each
register tile of scores is compared with the probes' running thresholds and only the
few that reach them leave the kernel, so those blocks' scores are never stored.
"""

import itertools
import os
import threading
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
# Work per piece of a block (see KernelScorer): a few milliseconds, so a call's own
# cost (tens of microseconds) is lost in it and the last pieces even out the threads.
_PIECE_MULTIPLY_ADDS = 2**24


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


def _kernel_wanted() -> bool:
    return os.environ.get(KERNEL_ENV, "").strip().lower() != "numpy"


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

    A block is cut into pieces of rows that the threads take in turn, so a core slowed
    by other work leaves its share to the other instead of holding up the block.
    `capacity` entries (query, row, score: 20 bytes each) are allocated once per search
    and shared between the threads, a slice each."""

    def __init__(
        self,
        kernels: ModuleType,
        pool: Callable[[], ThreadPoolExecutor],
        threads: int | None = None,
    ) -> None:
        self._kernels = kernels
        self._pool = pool
        self._workers = kernel_threads() if threads is None else threads
        self.reserve(0)

    def reserve(self, capacity: int) -> None:
        """Room for `capacity` scores found by `above` (20 bytes each), allocated once."""
        self._rows = np.empty(capacity, dtype=np.int64)
        self._queries = np.empty(capacity, dtype=np.int64)
        self._scores = np.empty(capacity, dtype=np.float32)

    def _pieces(self, rows: int, queries: FloatMatrix) -> list[tuple[int, int]]:
        return row_pieces(rows, queries.size, self._workers)

    def _each(
        self, work: Callable[[int, int, tuple[int, int]], bool], rows: int, queries: FloatMatrix
    ) -> None:
        """work(thread, piece, span) for every piece, threads taking pieces in turn;
        a piece's work returns False to stop every thread (the block falls back)."""
        pieces = self._pieces(rows, queries)
        threads = min(self._workers, len(pieces))
        if threads == 1:
            for piece, span in enumerate(pieces):
                if not work(0, piece, span):
                    return
            return
        # next() on a shared iterator hands each piece to exactly one thread (the GIL
        # is held between the calls, which release it while scoring).
        todo = iter(list(enumerate(pieces)))
        stop = threading.Event()

        def take(thread: int) -> None:
            for piece, span in todo:
                if stop.is_set() or not work(thread, piece, span):
                    stop.set()
                    return

        # list(): wait for every thread and re-raise the first error in this one.
        list(self._pool().map(take, range(threads)))

    def score(self, block: GalleryMatrix, queries: FloatMatrix, out: FloatMatrix) -> None:
        """out[q, r] = queries[q] . block[r]."""

        def run(_thread: int, _piece: int, span: tuple[int, int]) -> bool:
            self._kernels.score(block, queries, out, span[0], span[1])
            return True

        self._each(run, block.shape[0], queries)

    def above(
        self, block: GalleryMatrix, queries: FloatMatrix, thresholds: FloatMatrix, limit: int
    ) -> tuple[IndexVector, IndexVector, FloatVector] | None:
        """(query, row, score) of every score >= its query's threshold, or None when
        more than `limit` (at most the capacity) pass. In the order of the rows' pieces,
        whichever thread scored them, so the result does not depend on timing."""
        threads = max(1, min(self._workers, len(self._pieces(block.shape[0], queries))))
        share = min(limit, self._scores.size) // threads
        if share == 0:
            return None
        used = [0] * threads
        found: list[tuple[int, slice]] = []  # (piece, where its entries are)
        overflow = False

        def run(thread: int, piece: int, span: tuple[int, int]) -> bool:
            nonlocal overflow
            start, stop = thread * share + used[thread], (thread + 1) * share
            count: int = self._kernels.score_above(
                block, queries, thresholds, self._rows[start:stop], self._queries[start:stop],
                self._scores[start:stop], span[0], span[1],
            )  # fmt: skip
            if count < 0:
                overflow = True
                return False
            used[thread] += count
            found.append((piece, slice(start, start + count)))
            return True

        self._each(run, block.shape[0], queries)
        if overflow:
            return None
        parts = [where for _, where in sorted(found, key=lambda entry: entry[0])]
        return (
            np.concatenate([self._queries[p] for p in parts]),
            np.concatenate([self._rows[p] for p in parts]),
            np.concatenate([self._scores[p] for p in parts]),
        )


def row_pieces(rows: int, multiply_adds_per_row: int, threads: int) -> list[tuple[int, int]]:
    """(first, last) of the pieces a block of `rows` is scored in: one below the size
    where threads pay, else about _PIECE_MULTIPLY_ADDS of work each (at least one per
    thread), cut at multiples of 8 rows, the kernels' group of rows."""
    if threads == 1 or rows * multiply_adds_per_row < _PARALLEL_FROM_MULTIPLY_ADDS:
        return [(0, rows)]
    piece = -(-_PIECE_MULTIPLY_ADDS // max(1, multiply_adds_per_row))
    piece = min(piece, -(-rows // threads))
    piece = max(8, -(-piece // 8) * 8)
    return list(itertools.pairwise([*range(0, rows, piece), rows]))


def block_scorer(
    gallery: GalleryMatrix, pool: Callable[[], ThreadPoolExecutor]
) -> KernelScorer | None:
    """The kernel's scorer for this gallery, or None: use `numpy_scores`.

    The kernel reads C-contiguous float16 or float32 rows (a memory map is); any other
    gallery takes the numpy path. `pool` gives the threads that split a block's rows."""
    kernels = _load_kernels()
    if kernels is None or not _kernel_wanted():
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
