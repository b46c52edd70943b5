"""One chunk of gallery rows computed in place, in buffers a thread reuses.

The arithmetic is `embedding.assemble(blur(individuals(...)))` step for step — the same
float32 operations in the same order, so the bytes are the same (tests hold it) — but
without a fresh array per step. A chunk is 32,768 rows of 121 floats (16 MB): every
new array that size is a fresh memory map whose pages fault in on first touch, and the
unfused steps made about ten of them per chunk, as much time as the arithmetic. Here a
thread's buffers are touched once and reused for every chunk it computes, and a float32
target is written in place.

The draws (most of a chunk's time) come from `normals.standard_normal_into`: numpy's
float32 normals, from the compiled PCG64 loop when it is built and agrees with numpy.

A gallery cached on disk is written through `FileRows`: each chunk is staged in the
thread's buffer and written to the file with `pwrite`, never through a writable memory
map, so the file's pages stay in the page cache and out of the process's resident memory
(a 50-million-face float16 gallery is 12 GB).
"""

import os
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from leadreview.simulation.embedding import SEX_BY_CODE, Codes
from leadreview.simulation.normals import standard_normal_into
from leadreview.simulation.score_model import ScoreModel

FloatMatrix = npt.NDArray[np.float32]
GalleryMatrix = npt.NDArray[np.float32] | npt.NDArray[np.float16]


@dataclass(frozen=True)
class DemographicScales:
    """Per group and per sex code, the square roots `assemble` writes (read once a model)."""

    group_rho: npt.NDArray[np.float64]
    sex_rho: npt.NDArray[np.float64]

    @classmethod
    def of(cls, model: ScoreModel) -> "DemographicScales":
        return cls(
            group_rho=np.array(list(model.groups.values()), dtype=np.float64),
            sex_rho=np.array([model.sex[s] for s in SEX_BY_CODE], dtype=np.float64),
        )


@dataclass
class ChunkWorkspace:
    """One thread's buffers, sized for its largest chunk; never shared between threads."""

    rows: int
    individual_dims: int
    dims: int
    individual: FloatMatrix = field(init=False)
    direction: FloatMatrix = field(init=False)
    scratch: FloatMatrix = field(init=False)
    norms: FloatMatrix = field(init=False)
    _assembled: FloatMatrix | None = field(init=False, default=None)
    _staged: GalleryMatrix | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        shape = (self.rows, self.individual_dims)
        self.individual = np.empty(shape, dtype=np.float32)
        self.direction = np.empty(shape, dtype=np.float32)
        self.scratch = np.empty(shape, dtype=np.float32)
        self.norms = np.empty((self.rows, 1), dtype=np.float32)

    def assembled(self, rows: int) -> FloatMatrix:
        """float32 rows to assemble into when the target cannot take them directly."""
        if self._assembled is None:
            self._assembled = np.empty((self.rows, self.dims), dtype=np.float32)
        return self._assembled[:rows]

    def staging(self, rows: int, dtype: np.dtype) -> GalleryMatrix:
        """Rows in the file's type to write a chunk from (float32: the assembly buffer)."""
        if dtype == np.float32:
            return self.assembled(rows)
        if self._staged is None or self._staged.dtype != dtype:
            self._staged = np.empty((self.rows, self.dims), dtype=dtype)
        return self._staged[:rows]


@dataclass(frozen=True)
class FileRows:
    """A gallery matrix's rows in an open file: `shape` rows of `dtype` from `offset`."""

    fd: int
    offset: int
    shape: tuple[int, int]
    dtype: np.dtype

    def write(self, start: int, rows: GalleryMatrix) -> None:
        """Rows `start`.. of the matrix, from `rows` (C-contiguous, of `dtype`)."""
        assert rows.dtype == self.dtype and rows.flags.c_contiguous
        data = rows.data.cast("B")
        at = self.offset + start * self.shape[1] * self.dtype.itemsize
        while data:  # pwrite may write less than asked (a signal, a full disk's last bytes)
            written = os.pwrite(self.fd, data, at)
            data, at = data[written:], at + written


def normalise_in_place(rows: FloatMatrix, squares: FloatMatrix, norms: FloatMatrix) -> None:
    """`rows /= max(|row|, 1e-12)` with `np.linalg.norm`'s exact arithmetic (the sum of
    the squares along the row, then its square root); `squares` and `norms` are scratch."""
    np.multiply(rows, rows, out=squares)
    np.add.reduce(squares, axis=1, keepdims=True, out=norms)
    np.sqrt(norms, out=norms)
    np.maximum(norms, np.float32(1e-12), out=norms)
    np.divide(rows, norms, out=rows)


def assemble_into(
    out: FloatMatrix,
    scales: DemographicScales,
    group_codes: Codes,
    sex_codes: Codes,
    individual: FloatMatrix,
) -> None:
    """`embedding.assemble` written into `out` (rows x dims float32, any rows' contents)."""
    rows = out.shape[0]
    n_groups = len(scales.group_rho)
    group_rho = scales.group_rho[group_codes]
    sex_rho = scales.sex_rho[sex_codes]
    out[:, : n_groups + len(SEX_BY_CODE)] = 0.0
    index = np.arange(rows)
    out[index, group_codes.astype(np.int64)] = np.sqrt(group_rho)
    out[index, n_groups + sex_codes.astype(np.int64)] = np.sqrt(sex_rho)
    individual_scale = np.sqrt(1.0 - group_rho - sex_rho).astype(np.float32)
    np.multiply(individual_scale[:, None], individual, out=out[:, n_groups + len(SEX_BY_CODE) :])


def booking_chunk_into(
    target: GalleryMatrix,
    workspace: ChunkWorkspace,
    scales: DemographicScales,
    booking_noise: float,
    identity: np.random.Generator,
    booking: np.random.Generator,
    group_codes: Codes,
    sex_codes: Codes,
) -> None:
    """Write booking-photo embeddings into every row of `target` (a slice of the gallery):
    the rows' individuals drawn from `identity`, blurred along directions from `booking`."""
    rows = target.shape[0]
    person = workspace.individual[:rows]
    direction = workspace.direction[:rows]
    scratch = workspace.scratch[:rows]
    norms = workspace.norms[:rows]
    # individuals(): unit vectors uniform on the sphere.
    standard_normal_into(identity, person)
    normalise_in_place(person, scratch, norms)
    # orthogonal_directions(): a normal vector minus its component along the person.
    standard_normal_into(booking, direction)
    along = np.einsum("ij,ij->i", direction, person)
    np.multiply(along[:, None], person, out=scratch)
    np.subtract(direction, scratch, out=direction)
    normalise_in_place(direction, scratch, norms)
    # blur_along(): person + noise * direction, renormalised (into `scratch`).
    noise = np.asarray(booking_noise, dtype=np.float32).reshape(-1, 1)
    np.multiply(noise, direction, out=scratch)
    np.add(person, scratch, out=scratch)
    normalise_in_place(scratch, direction, norms)
    if target.dtype == np.float32 and target.flags.c_contiguous:
        assemble_into(target, scales, group_codes, sex_codes, scratch)  # type: ignore[arg-type]
    else:
        assembled = workspace.assembled(rows)
        assemble_into(assembled, scales, group_codes, sex_codes, scratch)
        target[...] = assembled
