"""Gallery generation against writing the same bytes, and against its random draws.

1,000,000 faces (128 dimensions, float32), chunks on a thread per core, each figure in
faces per second beside a floor measured in the same run, on the same number of threads:

- In memory (a fresh array, as `replay` builds it): against numpy writing the same bytes
  into a fresh array of the same shape (one ready-made chunk copied into every row
  block): the memory-write floor. Target: information.
- Into a memory-mapped `.npy` and flushed (as `--cache-dir` and the shared galleries of
  `compare` write it): against the same bytes copied into a memory map and flushed (the
  floor is the disk's). Target: information.
- In memory, against numpy drawing the same standard normals alone (two float32 values
  per individual dimension and face, into reused buffers): the values are fixed by the
  seed, but no longer their cost. The generator now draws them through the compiled
  PCG64 loop (`simulation/_normals.c`, numpy's values bit for bit), so it can beat
  numpy's draws alone (ratio above 1). Target: information.

Measured this round, `build_gallery` of aclu-2018's gallery at 1,000,000 faces, the
previous code and this in alternating processes (medians of 3, two shared cores at load
6.8-6.9): 6.43 and 6.64 s before, 4.53 and 5.09 s now (0.73x), the same bytes (SHA-256
of the matrix equal). Per draw, numpy 11.4-15.8 ns and the compiled loop 6.6-8.7 ns
(best of 8-10, same load).
"""

import os
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bench import BenchResult, paired_timings, rate_result, scaled
from leadreview.simulation.gallery import GalleryColumns
from leadreview.simulation.gallery_build import CHUNK_ROWS, fill_embeddings, gallery_columns
from leadreview.simulation.scenario import load_scenario
from leadreview.simulation.score_model import ScoreModel, load_score_model

Matrix = npt.NDArray[np.float32]


def _threads() -> int:
    return os.cpu_count() or 1


def _on_every_core(blocks: int, work: Callable[[int], None]) -> None:
    """`work(block)` for every block, on a thread per core (numpy frees the GIL)."""
    with ThreadPoolExecutor(max_workers=_threads()) as pool:
        list(pool.map(work, range(blocks)))


def _copy_chunks(target: Matrix, chunk: Matrix) -> None:
    size = target.shape[0]

    def copy(block: int) -> None:
        start = block * CHUNK_ROWS
        rows = min(CHUNK_ROWS, size - start)
        target[start : start + rows] = chunk[:rows]

    _on_every_core(-(-size // CHUNK_ROWS), copy)


def _draws_alone(size: int, model: ScoreModel) -> None:
    """The normals the generator draws for `size` faces, and nothing else."""
    buffers: dict[int, Matrix] = {}

    def draw(block: int) -> None:
        rows = min(CHUNK_ROWS, size - block * CHUNK_ROWS)
        mine = buffers.setdefault(
            threading.get_ident(), np.empty((CHUNK_ROWS, model.individual_dims), np.float32)
        )
        rng = np.random.default_rng(block)
        rng.standard_normal(dtype=np.float32, out=mine[:rows])  # who the person is
        rng.standard_normal(dtype=np.float32, out=mine[:rows])  # the booking photo's blur

    _on_every_core(-(-size // CHUNK_ROWS), draw)


def _in_memory(size: int, model: ScoreModel, columns: GalleryColumns) -> None:
    fill_embeddings(np.empty((size, model.dims), np.float32), columns, model, 1)


def run() -> list[BenchResult]:
    size = scaled(1_000_000, 40_000)
    model = load_score_model()
    spec = load_scenario("aclu-2018").gallery.model_copy(update={"size": size})
    columns = gallery_columns(spec, model, 1)
    chunk = np.random.default_rng(0).standard_normal((CHUNK_ROWS, model.dims), np.float32)
    shape = (size, model.dims)
    cores = f"{_threads()} threads"
    results = []

    # Each figure timed in turn with its floor (A B A B ...), so drift hits both.
    memory, written = paired_timings(
        lambda: _in_memory(size, model, columns),
        lambda: _copy_chunks(np.empty(shape, np.float32), chunk),
    )
    results.append(
        rate_result(
            f"generate {size:,} faces in memory ({cores})",
            size, memory, f"numpy writing the same bytes to a fresh array ({cores})", written,
            target="(information)", passed=lambda _a, _b: True, unit="faces/s",
        )
    )  # fmt: skip
    memory_again, draws = paired_timings(
        lambda: _in_memory(size, model, columns), lambda: _draws_alone(size, model)
    )
    results.append(
        rate_result(
            f"generate {size:,} faces in memory ({cores}), against its draws",
            size, memory_again, f"the same float32 normals drawn alone ({cores})", draws,
            target="(information)", passed=lambda _a, _b: True, unit="faces/s",
        )
    )  # fmt: skip

    with tempfile.TemporaryDirectory(prefix="bench-gallery-") as folder:

        def target(name: str) -> np.memmap:  # type: ignore[type-arg]
            return np.lib.format.open_memmap(
                Path(folder) / name, mode="w+", dtype=np.float32, shape=shape
            )

        def generate() -> None:
            matrix = target("generated.npy")
            fill_embeddings(matrix, columns, model, 1)
            matrix.flush()

        def write_bytes() -> None:
            matrix = target("written.npy")
            _copy_chunks(matrix, chunk)
            matrix.flush()

        ours, floor = paired_timings(generate, write_bytes, repeats=3)
    results.append(
        rate_result(
            f"generate {size:,} faces into a memory map ({cores})",
            size, ours, f"numpy writing the same bytes to a memory map ({cores})", floor,
            target="(information)", passed=lambda _a, _b: True, unit="faces/s",
        )
    )  # fmt: skip
    return results
