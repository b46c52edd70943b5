"""The in-place gallery generator writes the bytes the step-by-step arithmetic gives.

A gallery's bytes are part of what a seed means (cached `.npy` files are reused by key,
and leads are compared across runs), so the fused generator is held to the unfused
functions it replaced, bit for bit, not to a tolerance.
"""

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from leadreview.simulation.embedding import assemble, blur, individuals
from leadreview.simulation.gallery_build import (
    CHUNK_ROWS,
    build_gallery,
    fill_embeddings,
    gallery_columns,
    iter_embedding_chunks,
)
from leadreview.simulation.gallery_chunk import (
    ChunkWorkspace,
    DemographicScales,
    booking_chunk_into,
)
from leadreview.simulation.scenario import load_scenario
from leadreview.simulation.score_model import ScoreModel, load_score_model
from leadreview.simulation.streams import stream

SEED = 7


@pytest.fixture(scope="module")
def model() -> ScoreModel:
    return load_score_model()


def _reference(model: ScoreModel, size: int, seed: int) -> npt.NDArray[np.float32]:
    """The gallery as the generator computed it before it was fused: one fresh array
    per step, chunk after chunk (the functions probes and calibration still use)."""
    spec = load_scenario("aclu-2018").gallery.model_copy(update={"size": size})
    columns = gallery_columns(spec, model, seed)
    out = np.empty((size, model.dims), dtype=np.float32)
    for chunk, start in enumerate(range(0, size, CHUNK_ROWS)):
        stop = min(start + CHUNK_ROWS, size)
        person = individuals(stream(seed, "gallery", "identity", chunk), stop - start, model)
        booking = blur(person, model.booking_noise, stream(seed, "gallery", "booking", chunk))
        out[start:stop] = assemble(
            model, columns.group[start:stop], columns.sex[start:stop], booking
        )
    return out


def test_fused_chunks_are_the_step_by_step_bytes(model: ScoreModel) -> None:
    size = 2 * CHUNK_ROWS + 1_234  # two full chunks and a short one, reusing buffers
    spec = load_scenario("aclu-2018").gallery.model_copy(update={"size": size})
    columns = gallery_columns(spec, model, SEED)
    expected = _reference(model, size, SEED)
    # Poisoned targets: every byte must be written, none left from before.
    for threads in (1, 2):
        target = np.full((size, model.dims), np.nan, dtype=np.float32)
        fill_embeddings(target, columns, model, SEED, workers=threads)
        assert target.tobytes() == expected.tobytes()
    chunks = np.vstack([block for _, _, block in iter_embedding_chunks(columns, model, SEED)])
    assert chunks.tobytes() == expected.tobytes()


def test_float16_and_memory_mapped_galleries_store_the_same_rows(
    model: ScoreModel, tmp_path: Path
) -> None:
    size = CHUNK_ROWS + 99
    expected = _reference(model, size, SEED)
    base = load_scenario("aclu-2018").gallery.model_copy(update={"size": size, "seed": SEED})
    half = build_gallery(base.model_copy(update={"storage": "float16"}), model, SEED)
    assert half.embeddings.dtype == np.float16
    assert half.embeddings.tobytes() == expected.astype(np.float16).tobytes()
    mapped = build_gallery(base, model, SEED, cache_dir=tmp_path)
    assert isinstance(mapped.embeddings, np.memmap)
    assert np.asarray(mapped.embeddings).tobytes() == expected.tobytes()


def test_a_workspace_larger_than_its_chunk_writes_only_that_chunk(model: ScoreModel) -> None:
    rows = 50
    workspace = ChunkWorkspace(CHUNK_ROWS, model.individual_dims, model.dims)
    codes = np.zeros(rows, dtype=np.uint8)
    target = np.full((rows + 2, model.dims), -7.0, dtype=np.float32)
    booking_chunk_into(
        target[1:-1],
        workspace,
        DemographicScales.of(model),
        model.booking_noise,
        stream(1, "a"),
        stream(1, "b"),
        codes,
        codes,
    )
    assert (target[0] == -7.0).all() and (target[-1] == -7.0).all()
    assert np.allclose(np.linalg.norm(target[1:-1], axis=1), 1.0, atol=1e-5)


_PEAK_SCRIPT = """
import sys
from pathlib import Path

import numpy as np

from leadreview.simulation.gallery_build import fill_embeddings, gallery_columns
from leadreview.simulation.gallery_chunk import FileRows
from leadreview.simulation.scenario import load_scenario
from leadreview.simulation.score_model import load_score_model


def peak_kib():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])


size, path, how = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
model = load_score_model()
spec = load_scenario("aclu-2018").gallery.model_copy(update={"size": size})
columns = gallery_columns(spec, model, 1)
shape = (size, model.dims)
matrix = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=shape)
offset = matrix.offset
before = peak_kib()
if how == "map":
    fill_embeddings(matrix, columns, model, 1, workers=1)
    matrix.flush()
else:
    del matrix
    with open(path, "r+b") as handle:
        rows = FileRows(handle.fileno(), offset, shape, np.dtype(np.float32))
        fill_embeddings(rows, columns, model, 1, workers=1)
print(peak_kib() - before)
"""


def test_a_gallery_written_to_a_file_stays_out_of_resident_memory(tmp_path: Path) -> None:
    """12 GB at Michigan's scale: written through a map, every page of the file would
    count in the process's resident memory; written with pwrite, none does."""
    import subprocess
    import sys

    size = 600_000  # 293 MiB of float32 rows
    file_mib = size * 128 * 4 / 2**20

    def growth_mib(how: str) -> float:
        done = subprocess.run(
            [sys.executable, "-c", _PEAK_SCRIPT, str(size), str(tmp_path / f"{how}.npy"), how],
            capture_output=True, text=True, check=True, timeout=300,
        )  # fmt: skip
        return int(done.stdout.strip()) / 1024

    through_map, through_file = growth_mib("map"), growth_mib("file")
    assert through_map > 0.9 * file_mib  # the measure sees a mapped gallery's pages
    assert through_file < 0.3 * file_mib  # one thread's buffers, not the gallery
    assert (tmp_path / "map.npy").read_bytes() == (tmp_path / "file.npy").read_bytes()
