"""Generate a gallery: person columns, then the embedding matrix chunk by chunk.

Every chunk of rows draws from its own sub-stream, so a chunk can be regenerated alone
(to make mated probes from a million-face gallery) and the result does not depend on
whether the matrix is built in memory or written to a memory-mapped file.
"""

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt

from leadreview.io.atomic import replacing
from leadreview.simulation.allocation import allocate_classes
from leadreview.simulation.embedding import individuals
from leadreview.simulation.gallery import (
    AGE_BY_CODE,
    FIRST_BOOKING,
    LAST_BOOKING,
    Gallery,
    GalleryColumns,
)
from leadreview.simulation.gallery_chunk import (
    ChunkWorkspace,
    DemographicScales,
    FileRows,
    booking_chunk_into,
)
from leadreview.simulation.mixes import ordered_group_mix
from leadreview.simulation.names import BOOKING_CHARGES, GIVEN_NAMES, SURNAMES
from leadreview.simulation.scenario import GallerySpec
from leadreview.simulation.score_model import ScoreModel
from leadreview.simulation.streams import stream

ProgressCallback = Callable[[int, int], None]
"""Called with (rows done, rows in all) as a gallery is generated."""

FloatMatrix = npt.NDArray[np.float32]
GalleryMatrix = npt.NDArray[np.float32] | npt.NDArray[np.float16]
CHUNK_ROWS = 32_768
# Bump when the generator changes what a seed produces, so stale caches are not reused.
GENERATOR_VERSION = 1


def _spec_for_key(spec: GallerySpec) -> dict[str, object]:
    data = spec.model_dump(mode="json")
    # The key names the gallery's FaceIds: float32 galleries keep the keys (and ids) they
    # had before storage could be chosen; a float16 gallery is a different matrix.
    if data["storage"] == "float32":
        del data["storage"]
    # Likewise a gallery with its own seed per run keeps its key; the seed it is generated
    # from is in the key's payload either way.
    if data["seed"] is None:
        del data["seed"]
    return data


def gallery_key(spec: GallerySpec, model: ScoreModel, seed: int) -> str:
    payload = {
        "generator": GENERATOR_VERSION,
        "chunk_rows": CHUNK_ROWS,
        "seed": seed,
        "gallery": _spec_for_key(spec),
        "dims": model.dims,
        "groups": [[label, rho] for label, rho in model.groups.items()],
        "sex": {sex.value: rho for sex, rho in model.sex.items()},
        "booking_noise": model.booking_noise,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def gallery_columns(spec: GallerySpec, model: ScoreModel, seed: int) -> GalleryColumns:
    rng = stream(seed, "gallery", "records")
    codes = {label: i for i, label in enumerate(model.groups)}
    mix = ordered_group_mix(spec.group_mix, model, "gallery.group_mix")
    group, sex = allocate_classes(mix, spec.female_share, spec.size, codes, rng)
    age_p = np.array([spec.age_mix.get(a, 0.0) for a in AGE_BY_CODE], dtype=np.float64)
    days = (LAST_BOOKING - FIRST_BOOKING).days + 1
    return GalleryColumns(
        group=group,
        sex=sex,
        age=rng.choice(len(AGE_BY_CODE), size=spec.size, p=age_p / age_p.sum()).astype(np.uint8),
        given_name=rng.integers(0, len(GIVEN_NAMES), spec.size, dtype=np.uint16),
        surname=rng.integers(0, len(SURNAMES), spec.size, dtype=np.uint16),
        booking_day=rng.integers(0, days, spec.size, dtype=np.int32),
        charge=rng.integers(0, len(BOOKING_CHARGES), spec.size, dtype=np.uint8),
    )


def _chunk_bounds(size: int) -> list[tuple[int, int, int]]:
    return [
        (k, start, min(start + CHUNK_ROWS, size))
        for k, start in enumerate(range(0, size, CHUNK_ROWS))
    ]


def _chunk_individuals(seed: int, chunk: int, rows: int, model: ScoreModel) -> FloatMatrix:
    return individuals(stream(seed, "gallery", "identity", chunk), rows, model)


def gallery_individuals(
    seed: int, model: ScoreModel, size: int, indices: npt.NDArray[np.int64]
) -> FloatMatrix:
    """The clean individual parts of gallery rows `indices`, regenerating only their chunks."""
    out = np.empty((len(indices), model.individual_dims), dtype=np.float32)
    chunks = indices // CHUNK_ROWS
    for chunk in np.unique(chunks):
        start = int(chunk) * CHUNK_ROWS
        rows = min(CHUNK_ROWS, size - start)
        block = _chunk_individuals(seed, int(chunk), rows, model)
        wanted = chunks == chunk
        out[wanted] = block[indices[wanted] - start]
    return out


def _write_chunk(
    target: GalleryMatrix,
    columns: GalleryColumns,
    model: ScoreModel,
    seed: int,
    bounds: tuple[int, int, int],
    workspace: ChunkWorkspace,
    scales: DemographicScales,
) -> None:
    """Rows start..stop of the gallery into `target` (those rows alone)."""
    chunk, start, stop = bounds
    booking_chunk_into(
        target,
        workspace,
        scales,
        model.booking_noise,
        stream(seed, "gallery", "identity", chunk),
        stream(seed, "gallery", "booking", chunk),
        columns.group[start:stop],
        columns.sex[start:stop],
    )


def _workspace(model: ScoreModel, rows: int) -> ChunkWorkspace:
    return ChunkWorkspace(min(CHUNK_ROWS, rows), model.individual_dims, model.dims)


def iter_embedding_chunks(
    columns: GalleryColumns, model: ScoreModel, seed: int
) -> Iterator[tuple[int, int, FloatMatrix]]:
    """(start, stop, booking-photo embeddings of rows start..stop), chunk after chunk."""
    workspace, scales = _workspace(model, len(columns)), DemographicScales.of(model)
    for bounds in _chunk_bounds(len(columns)):
        _, start, stop = bounds
        block = np.empty((stop - start, model.dims), dtype=np.float32)
        _write_chunk(block, columns, model, seed, bounds, workspace, scales)
        yield start, stop, block


def fill_embeddings(
    target: GalleryMatrix | FileRows,
    columns: GalleryColumns,
    model: ScoreModel,
    seed: int,
    progress: ProgressCallback | None = None,
    workers: int | None = None,
) -> None:
    """Write the booking-photo embeddings of every row into `target` (an array, a memory
    map, or a file's rows), chunks generated on a thread per core straight into their
    rows (into a file: staged in the thread's buffer, then written).

    numpy's generators and array arithmetic release the GIL, so threads run in
    parallel; each chunk draws from its own sub-stream, so the matrix is the same
    whatever the number of threads or the order chunks finish in. At most two chunks a
    thread are in flight, each thread computes in buffers of its own reused chunk after
    chunk (`gallery_chunk.py`): memory stays a few chunks above the target."""
    import threading
    from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

    scales = DemographicScales.of(model)
    buffers = threading.local()

    def write(chunk: int, start: int, stop: int) -> int:
        # Each thread's own buffers, made on its first chunk and reused for the rest.
        workspace = getattr(buffers, "workspace", None)
        if workspace is None:
            workspace = buffers.workspace = _workspace(model, len(columns))
        bounds = (chunk, start, stop)
        if isinstance(target, FileRows):
            staged = workspace.staging(stop - start, target.dtype)
            _write_chunk(staged, columns, model, seed, bounds, workspace, scales)
            target.write(start, staged)
        else:
            _write_chunk(target[start:stop], columns, model, seed, bounds, workspace, scales)
        return stop - start

    threads = workers or os.cpu_count() or 1
    done = 0

    def collect(finished: set[Future[int]]) -> None:
        nonlocal done
        for future in finished:  # one progress report per chunk written
            done += future.result()
            if progress is not None:
                progress(done, len(columns))

    pending: set[Future[int]] = set()
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="gallery") as pool:
        for bounds in _chunk_bounds(len(columns)):
            if len(pending) >= 2 * threads:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                collect(finished)
            pending.add(pool.submit(write, *bounds))
        collect(wait(pending).done)


def _cached_matrix(path: Path, size: int, dims: int, dtype: str) -> GalleryMatrix | None:
    if not path.is_file():
        return None
    try:
        matrix = np.load(path, mmap_mode="r")
    except (OSError, ValueError):
        return None
    if matrix.shape != (size, dims) or matrix.dtype != np.dtype(dtype):
        return None
    return matrix  # type: ignore[no-any-return]


def _write_cached(
    path: Path,
    columns: GalleryColumns,
    model: ScoreModel,
    seed: int,
    progress: ProgressCallback | None,
    dtype: str,
) -> GalleryMatrix:
    # Readers only ever see a complete file: it appears under its name all at once.
    shape = (len(columns), model.dims)
    with replacing(path) as partial:
        # The header, and the file at its full length (sparse until written).
        header = np.lib.format.open_memmap(partial, mode="w+", dtype=np.dtype(dtype), shape=shape)
        offset = header.offset
        del header
        # The rows by pwrite, not through the writable map: written pages stay in the page
        # cache, outside this process's resident memory (12 GB at Michigan's scale).
        with open(partial, "r+b") as handle:
            rows = FileRows(handle.fileno(), offset, shape, np.dtype(dtype))
            fill_embeddings(rows, columns, model, seed, progress)
            # On disk before the name appears: a crash must not leave a named file with
            # rows missing, which the next run would reuse as the gallery.
            os.fsync(handle.fileno())
    loaded = _cached_matrix(path, len(columns), model.dims, dtype)
    if loaded is None:
        raise OSError(f"{path}: gallery cache unreadable right after writing")
    return loaded


def build_gallery(
    spec: GallerySpec,
    model: ScoreModel,
    seed: int,
    *,
    cache_dir: Path | None = None,
    progress: ProgressCallback | None = None,
) -> Gallery:
    """The gallery of `spec` under `seed`: in memory, or memory-mapped from `cache_dir`.

    With `cache_dir`, the matrix lives in `gallery-<key>.npy` there and is reused whenever
    the seed, the gallery spec and the score model's embedding parameters all match.
    """
    columns = gallery_columns(spec, model, seed)
    key = gallery_key(spec, model, seed)
    matrix: GalleryMatrix
    if cache_dir is None:
        matrix = np.empty((spec.size, model.dims), dtype=np.dtype(spec.storage))
        fill_embeddings(matrix, columns, model, seed, progress)
    else:
        path = cache_dir / f"gallery-{key}.npy"
        cached = _cached_matrix(path, spec.size, model.dims, spec.storage)
        if cached is not None:
            matrix = cached
            if progress is not None:
                progress(spec.size, spec.size)
        else:
            matrix = _write_cached(path, columns, model, seed, progress, spec.storage)
    return Gallery(key=key, groups=model.group_labels, columns=columns, embeddings=matrix)
