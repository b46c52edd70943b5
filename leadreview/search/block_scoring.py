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

`LEADREVIEW_SEARCH_KERNEL=numpy` forces the numpy path (read per search), so the two can
be compared on one machine; an install without a C compiler has only that path.
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
Scorer = Callable[[GalleryMatrix, FloatMatrix, FloatMatrix], None]
"""scorer(gallery_block, queries, out): out[q, r] = queries[q] . gallery_block[r]."""

KERNEL_ENV = "LEADREVIEW_SEARCH_KERNEL"
# Below this many multiply-adds, a thread hand-off costs more than it saves.
_PARALLEL_FROM_MULTIPLY_ADDS = 2_000_000


def _load_kernels() -> ModuleType | None:
    try:
        from leadreview.search import _kernels  # type: ignore[attr-defined]
    except ImportError:  # built without a C compiler: the numpy path
        return None
    module: ModuleType = _kernels
    return module


def kernel_built() -> bool:
    """Whether the compiled kernel is installed (whatever the environment asks)."""
    return _load_kernels() is not None


def _kernel_wanted() -> bool:
    return os.environ.get(KERNEL_ENV, "").strip().lower() != "numpy"


def block_scorer(gallery: GalleryMatrix, pool: Callable[[], ThreadPoolExecutor]) -> Scorer | None:
    """The kernel's scorer for this gallery, or None: use `numpy_scores`.

    The kernel reads C-contiguous float16 or float32 rows (a memory map is); any other
    gallery takes the numpy path. `pool` gives the threads that split a block's rows."""
    kernels = _load_kernels()
    if kernels is None or not _kernel_wanted():
        return None
    if gallery.dtype not in (np.float16, np.float32) or not gallery.flags.c_contiguous:
        return None
    score = kernels.score
    workers = os.cpu_count() or 1

    def scorer(block: GalleryMatrix, queries: FloatMatrix, out: FloatMatrix) -> None:
        rows = block.shape[0]
        if workers == 1 or rows * queries.size < _PARALLEL_FROM_MULTIPLY_ADDS:
            score(block, queries, out, 0, rows)
            return
        bounds = np.linspace(0, rows, workers + 1).astype(int).tolist()
        spans = itertools.pairwise(bounds)
        # list(): wait for every slice and re-raise the first error in this thread.
        list(pool().map(lambda span: score(block, queries, out, span[0], span[1]), spans))

    return scorer


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
