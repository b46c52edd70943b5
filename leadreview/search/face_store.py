"""One collection's faces: float32 (or float16) embeddings in a growable array, ids
computed beside them.

Rows are never moved: a face keeps its position (its row in the gallery matrix) for the
life of the collection, so batch results can be mapped straight back to the generated
gallery. Deleting a face clears its `alive` flag instead of compacting the matrix, which
would copy a memory-mapped gallery into memory.
"""

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from leadreview.search.face_ids import FaceDirectory, GalleryIds

FloatMatrix = npt.NDArray[np.float32]
GalleryMatrix = npt.NDArray[np.float32] | npt.NDArray[np.float16]
BoolVector = npt.NDArray[np.bool_]

_INITIAL_CAPACITY = 64


class FaceStore:
    def __init__(self, dimension: int | None = None) -> None:
        self._dimension = dimension
        self._vectors: GalleryMatrix | None = None
        self._alive: BoolVector = np.zeros(0, dtype=np.bool_)
        self._size = 0
        self._deleted = 0
        self._ids = FaceDirectory()
        self.image_ids: dict[int, str] = {}  # only faces indexed from an image

    @property
    def dimension(self) -> int | None:
        return self._dimension

    @property
    def size(self) -> int:
        """Rows in the matrix, deleted ones included."""
        return self._size

    @property
    def face_count(self) -> int:
        return self._size - self._deleted

    @property
    def deleted_count(self) -> int:
        return self._deleted

    @property
    def vectors(self) -> GalleryMatrix:
        """The (size, dimension) matrix, float32 or float16; a view, not a copy."""
        if self._vectors is None:
            return np.zeros((0, self._dimension or 0), dtype=np.float32)
        return self._vectors[: self._size]

    @property
    def alive(self) -> BoolVector:
        return self._alive[: self._size]

    def position(self, face_id: str) -> int | None:
        position = self._ids.position_of(face_id)
        if position is None or not self._alive[position]:
            return None
        return position

    def contains_id(self, face_id: str) -> bool:
        """Whether the id was ever used here (ids are not reused, even after deletion)."""
        return self._ids.position_of(face_id) is not None

    def face_id(self, position: int) -> str:
        return self._ids.face_id(position)

    def face_ids(self, positions: Sequence[int]) -> list[str]:
        return self._ids.face_ids(positions)

    def external_id(self, position: int) -> str | None:
        return self._ids.external_image_id(position)

    def append(self, vector: npt.NDArray[np.float32], face_id: str, external_id: str | None) -> int:
        start = self._add_rows(vector.reshape(1, -1))
        self._ids.add_listed(start, [face_id], [external_id])
        return start

    def extend(
        self,
        vectors: GalleryMatrix,
        face_ids: Sequence[str],
        external_ids: Sequence[str | None],
    ) -> range:
        """Add rows with listed ids; the caller has validated them."""
        start = self._add_rows(vectors)
        self._ids.add_listed(start, face_ids, external_ids)
        return range(start, self._size)

    def extend_computed(self, vectors: GalleryMatrix, ids: GalleryIds) -> range:
        """Add rows whose ids `ids` computes from the row (nothing per face is stored)."""
        start = self._add_rows(vectors)
        self._ids.add(start, ids)
        return range(start, self._size)

    def _add_rows(self, vectors: GalleryMatrix) -> int:
        """Store the rows; the first row's position. An empty store adopts a float32 or
        float16 C-contiguous matrix as it is (a memory map stays a memory map); rows
        added later take the stored matrix's type."""
        count = vectors.shape[0]
        if self._dimension is None:
            self._dimension = int(vectors.shape[1])
        start = self._size
        adoptable = vectors.dtype in (np.float32, np.float16) and vectors.flags.c_contiguous
        if self._vectors is None and adoptable:
            self._vectors = vectors
        else:
            self._reserve(start + count)
            assert self._vectors is not None
            self._vectors[start : start + count] = vectors
        self._reserve_alive(start + count)
        self._alive[start : start + count] = True
        self._size = start + count
        return start

    def delete(self, position: int) -> None:
        if self._alive[position]:
            self._alive[position] = False
            self._deleted += 1

    def _reserve(self, rows: int) -> None:
        assert self._dimension is not None
        current = self._vectors
        if current is not None and current.shape[0] >= rows and current.flags.writeable:
            return
        capacity = max(_INITIAL_CAPACITY, rows, 2 * (0 if current is None else current.shape[0]))
        dtype = np.float32 if current is None else current.dtype
        grown = np.empty((capacity, self._dimension), dtype=dtype)
        if current is not None:
            grown[: self._size] = current[: self._size]
        self._vectors = grown

    def _reserve_alive(self, rows: int) -> None:
        if self._alive.shape[0] >= rows:
            return
        grown = np.zeros(max(_INITIAL_CAPACITY, rows, 2 * self._alive.shape[0]), dtype=np.bool_)
        grown[: self._size] = self._alive[: self._size]
        self._alive = grown
