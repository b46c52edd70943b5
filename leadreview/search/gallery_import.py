"""Checks on a generated gallery before `import_faces` takes it (simulator-only path).

The gallery is checked in blocks so that a memory-mapped matrix of a million faces is
read once, a block at a time, and never copied.
"""

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from leadreview.search.client_errors import ServiceError
from leadreview.search.service_model import service_model

if TYPE_CHECKING:
    from leadreview.search.simulated import SimulatedRekognition
    from leadreview.simulation.gallery import Gallery

FloatMatrix = npt.NDArray[np.float32]

_BLOCK_ROWS = 65_536
# Unit vectors, within float32 rounding of a generator that normalised in float32/64.
_NORM_TOLERANCE = 1e-3


def check_gallery(embeddings: npt.NDArray[np.float32], dimension: int | None) -> FloatMatrix:
    """The matrix to store: `embeddings` itself if float32 and C-contiguous, else a copy."""
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
    matrix = (
        embeddings
        if embeddings.dtype == np.float32 and embeddings.flags.c_contiguous
        else np.ascontiguousarray(embeddings, dtype=np.float32)
    )
    for start in range(0, n, _BLOCK_ROWS):
        block = matrix[start : start + _BLOCK_ROWS]
        norms = np.linalg.norm(block, axis=1)
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
    face_pattern = _pattern("FaceId")
    for face_id in face_ids:
        if face_pattern.fullmatch(face_id) is None:
            raise ServiceError(
                "InvalidParameterException", f"FaceId {face_id!r} is not UUID-shaped"
            )
    if len(set(face_ids)) != count or any(already_used(face_id) for face_id in face_ids):
        raise ServiceError("InvalidParameterException", "FaceIds must be unique in the collection")
    external_pattern = _pattern("ExternalImageId")
    max_length = int(service_model().shape_for("ExternalImageId").metadata["max"])
    for external in external_ids:
        if external is not None and (
            len(external) > max_length or external_pattern.fullmatch(external) is None
        ):
            raise ServiceError(
                "InvalidParameterException",
                f"ExternalImageId {external!r} must be 1-{max_length} characters of "
                f"{external_pattern.pattern}",
            )


def import_gallery(client: "SimulatedRekognition", collection_id: str, gallery: "Gallery") -> None:
    """Create `collection_id` in the simulated client and import every face of a generated
    gallery, under the gallery's own external image ids and face ids (so a lead names
    the same face in every run of the same world). The one way a world's gallery becomes
    a searchable collection: the batch replay, the exercise and `case open` all use it."""
    client.create_collection(CollectionId=collection_id)
    client.import_faces(
        CollectionId=collection_id,
        Embeddings=gallery.embeddings,
        ExternalImageIds=[gallery.external_image_id(i) for i in range(gallery.size)],
        FaceIds=[gallery.face_id(i) for i in range(gallery.size)],
    )
