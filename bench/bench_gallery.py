"""Gallery generation against writing the same bytes with numpy.

- Generating a gallery of 1,000,000 faces (128 dimensions, float32) into a memory-mapped
  file, chunks on a thread per core: faces per second against the floor of writing the
  same number of bytes into a memory-mapped file of the same shape with numpy (one
  ready-made chunk copied into every row block). Target: information (the generator
  draws random numbers and does arithmetic per value; the floor only copies).
"""

import tempfile
from pathlib import Path

import numpy as np

from bench import BenchResult, rate_result, scaled, timings
from leadreview.simulation.gallery_build import CHUNK_ROWS, fill_embeddings, gallery_columns
from leadreview.simulation.scenario import load_scenario
from leadreview.simulation.score_model import load_score_model


def run() -> list[BenchResult]:
    size = scaled(1_000_000, 40_000)
    model = load_score_model()
    spec = load_scenario("aclu-2018").gallery.model_copy(update={"size": size})
    columns = gallery_columns(spec, model, 1)
    chunk = np.random.default_rng(0).standard_normal((CHUNK_ROWS, model.dims), np.float32)
    with tempfile.TemporaryDirectory(prefix="bench-gallery-") as folder:

        def target(name: str) -> np.memmap:  # type: ignore[type-arg]
            return np.lib.format.open_memmap(
                Path(folder) / name, mode="w+", dtype=np.float32, shape=(size, model.dims)
            )

        def generate() -> None:
            matrix = target("generated.npy")
            fill_embeddings(matrix, columns, model, 1)
            matrix.flush()

        def write_bytes() -> None:
            matrix = target("written.npy")
            for start in range(0, size, CHUNK_ROWS):
                rows = min(CHUNK_ROWS, size - start)
                matrix[start : start + rows] = chunk[:rows]
            matrix.flush()

        ours = timings(generate, repeats=3)
        floor = timings(write_bytes, repeats=3)
    return [
        rate_result(
            f"generate {size:,} faces into a memory map",
            size, ours, "numpy writing the same bytes to a memory map", floor,
            target="(information)", passed=lambda _a, _b: True, unit="faces/s",
        )
    ]  # fmt: skip
