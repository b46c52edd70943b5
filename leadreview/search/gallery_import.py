"""Checks on a generated gallery before `import_faces` takes it (simulator-only path).

The gallery is checked in blocks so that a memory-mapped matrix of a million faces is
read once, a block at a time, and never copied.
"""

import re
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from leadreview.search.client_errors import ServiceError
from leadreview.search.face_ids import GalleryIds
from leadreview.search.service_model import service_model

GalleryMatrix = npt.NDArray[np.float32] | npt.NDArray[np.float16]
# Stored as given (no copy); anything else is converted to float32.
KEPT_DTYPES = (np.dtype(np.float32), np.dtype(np.float16))

_BLOCK_ROWS = 65_536
# Unit vectors, within float32 rounding of a generator that normalised in float32/64.
_NORM_TOLERANCE = 1e-3


def check_gallery(embeddings: npt.NDArray[np.floating], dimension: int | None) -> GalleryMatrix:
    """The matrix to store: `embeddings` itself if float32 or float16 and C-contiguous
    (a float16 gallery stays float16: half the memory, see `topk`), else a float32 copy."""
    if not isinstance(embeddings, np.ndarray) or embeddings.ndim != 2:
        shape = getattr(embeddings, "shape", None)
        raise ServiceError("InvalidParameterException", f"Embeddings must be (n, d), got {shape}")
    n, d = embeddings.shape
    if n == 0 or d == 0:
        raise ServiceError("InvalidParameterException", "Embeddings is empty")
    if dimension is not None and d != dimension:
        raise ServiceError(
            "InvalidParameterException",
            f"Embeddings have {d} dimensions; the collection holds {dimension}-dimensional faces",
        )
    matrix: GalleryMatrix = (
        embeddings
        if embeddings.dtype in KEPT_DTYPES and embeddings.flags.c_contiguous
        else np.ascontiguousarray(embeddings, dtype=np.float32)
    )
    for start in range(0, n, _BLOCK_ROWS):
        block = matrix[start : start + _BLOCK_ROWS].astype(np.float32, copy=False)
        # einsum sums each row's squares without the block-sized temporary of squares
        # that np.linalg.norm allocates (fresh pages every block): a sixth of the time
        # over a million faces, which every replay imports.
        norms = np.sqrt(np.einsum("ij,ij->i", block, block))
        bad = np.flatnonzero(~np.isfinite(norms) | (np.abs(norms - 1.0) > _NORM_TOLERANCE))
        if bad.size:
            row = start + int(bad[0])
            raise ServiceError(
                "InvalidParameterException",
                f"Embeddings row {row} is not a unit vector (norm {norms[bad[0]]:.6g})",
            )
    return matrix


def _pattern(shape_name: str) -> re.Pattern[str]:
    meta = service_model().shape_for(shape_name).metadata
    return re.compile(str(meta["pattern"]))


def _check_face_id(face_id: str) -> None:
    if _pattern("FaceId").fullmatch(face_id) is None:
        raise ServiceError("InvalidParameterException", f"FaceId {face_id!r} is not UUID-shaped")


def _check_external_id(external: str | None) -> None:
    if external is None:
        return
    pattern = _pattern("ExternalImageId")
    max_length = int(service_model().shape_for("ExternalImageId").metadata["max"])
    if len(external) > max_length or pattern.fullmatch(external) is None:
        raise ServiceError(
            "InvalidParameterException",
            f"ExternalImageId {external!r} must be 1-{max_length} characters of {pattern.pattern}",
        )


def check_ids(
    face_ids: Sequence[str],
    external_ids: Sequence[str | None],
    count: int,
    already_used: Callable[[str], bool],
) -> None:
    """FaceIds UUID-shaped and new, ExternalImageIds as IndexFaces accepts them."""
    if len(face_ids) != count or len(external_ids) != count:
        raise ServiceError(
            "InvalidParameterException",
            f"{count} embeddings need {count} FaceIds and ExternalImageIds, "
            f"got {len(face_ids)} and {len(external_ids)}",
        )
    for face_id in face_ids:
        _check_face_id(face_id)
    if len(set(face_ids)) != count or any(already_used(face_id) for face_id in face_ids):
        raise ServiceError("InvalidParameterException", "FaceIds must be unique in the collection")
    for external in external_ids:
        _check_external_id(external)


def check_external_ids(external_ids: Sequence[str | None], count: int) -> None:
    """ExternalImageIds listed beside computed FaceIds: one per row, each well-formed."""
    if len(external_ids) != count:
        raise ServiceError(
            "InvalidParameterException",
            f"{count} embeddings need {count} ExternalImageIds, got {len(external_ids)}",
        )
    for external in external_ids:
        _check_external_id(external)


def _sample_rows(count: int) -> list[int]:
    return sorted({row for row in (0, 1, count // 2, count - 2, count - 1) if 0 <= row < count})


def check_computed_ids(ids: GalleryIds, count: int, already_used: Callable[[str], bool]) -> None:
    """Computed ids: as many rows as embeddings, and a sample of rows (first, middle,
    last) well-formed, new and mapping back to their row. Checking every row would build
    every id, which is what computing them on demand avoids; the source's contract (its
    `index_of` inverts `face_id`) is what makes the rest distinct."""
    if ids.size != count:
        raise ServiceError(
            "InvalidParameterException", f"{count} embeddings need {count} ids, got {ids.size}"
        )
    for row in _sample_rows(count):
        face_id = ids.face_id(row)
        _check_face_id(face_id)
        _check_external_id(ids.external_image_id(row))
        if ids.index_of(face_id) != row:
            raise ServiceError(
                "InvalidParameterException", f"FaceId {face_id!r} does not map back to row {row}"
            )
        if already_used(face_id):
            raise ServiceError(
                "InvalidParameterException", "FaceIds must be unique in the collection"
            )
