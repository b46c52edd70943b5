"""A collection's FaceIds and ExternalImageIds, computed from the row when asked for.

Holding a string pair per face costs about 315 bytes a face (15.8 GB at 50 million) and
building them took 43% of a million-face replay, though a search returns a few dozen.
So each import keeps an id *source* instead of a list: a generated gallery (anything
with the `GalleryIds` methods) or the collection's sequential default ids compute an id
from its row and map an id back to its row arithmetically; only ids a caller listed
explicitly (and faces indexed one image at a time) are stored as strings.
"""

import bisect
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from leadreview.search.face_records import derived_uuid


class GalleryIds(Protocol):
    """Ids of rows 0..size-1 of an imported matrix, on demand. `index_of` must invert
    `face_id` (that makes the ids distinct) and return None for any other string."""

    @property
    def size(self) -> int: ...

    def face_id(self, index: int) -> str: ...

    def index_of(self, face_id_text: str) -> int | None: ...

    def external_image_id(self, index: int) -> str | None: ...


class SequentialIds:
    """The default FaceIds of an import: a per-collection prefix and the collection row in
    the last 12 hex digits (UUID-shaped, deterministic, unique in the collection)."""

    def __init__(
        self, collection_id: str, start: int, count: int, external: Sequence[str | None] | None
    ) -> None:
        self._prefix = derived_uuid("faces", collection_id)[:24]
        self._start = start
        self._count = count
        self._external = external

    @property
    def size(self) -> int:
        return self._count

    def face_id(self, index: int) -> str:
        return f"{self._prefix}{self._start + index:012x}"

    def index_of(self, face_id_text: str) -> int | None:
        if len(face_id_text) != 36 or not face_id_text.startswith(self._prefix):
            return None
        tail = face_id_text[24:]
        if tail != tail.lower():
            return None
        try:
            index = int(tail, 16) - self._start
        except ValueError:
            return None
        return index if 0 <= index < self._count else None

    def external_image_id(self, index: int) -> str | None:
        return None if self._external is None else self._external[index]


class ListedIds:
    """Ids a caller gave one by one (and faces indexed from images): kept as strings."""

    def __init__(self, face_ids: Sequence[str], external: Sequence[str | None]) -> None:
        self._face_ids = list(face_ids)
        self._external = list(external)
        self._rows = {face_id: row for row, face_id in enumerate(self._face_ids)}

    @property
    def size(self) -> int:
        return len(self._face_ids)

    def face_id(self, index: int) -> str:
        return self._face_ids[index]

    def index_of(self, face_id_text: str) -> int | None:
        return self._rows.get(face_id_text)

    def external_image_id(self, index: int) -> str | None:
        return self._external[index]

    def extend(self, face_ids: Sequence[str], external: Sequence[str | None]) -> None:
        for face_id in face_ids:
            self._rows[face_id] = len(self._face_ids)
            self._face_ids.append(face_id)
        self._external.extend(external)


class FaceDirectory:
    """Position <-> ids over the collection's imports, each a run of consecutive rows."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._sources: list[GalleryIds] = []

    def add(self, start: int, source: GalleryIds) -> None:
        """The ids of rows start..start+source.size-1 (appended after every earlier run)."""
        self._starts.append(start)
        self._sources.append(source)

    def add_listed(
        self, start: int, face_ids: Sequence[str], external: Sequence[str | None]
    ) -> None:
        """Listed ids, merged into the last run when it is a listed one ending at `start`
        (IndexFaces adds one face at a time: one run per face would slow every lookup)."""
        if self._sources:
            last = self._sources[-1]
            if isinstance(last, ListedIds) and self._starts[-1] + last.size == start:
                last.extend(face_ids, external)
                return
        self.add(start, ListedIds(face_ids, external))

    def _run(self, position: int) -> tuple[GalleryIds, int]:
        at = bisect.bisect_right(self._starts, position) - 1
        if at < 0:
            raise IndexError(f"no face at position {position}")
        source, offset = self._sources[at], position - self._starts[at]
        if offset >= source.size:
            raise IndexError(f"no face at position {position}")
        return source, offset

    def face_id(self, position: int) -> str:
        source, offset = self._run(position)
        return source.face_id(offset)

    def face_ids(self, positions: Sequence[int]) -> list[str]:
        """`face_id` of many positions, with one run lookup per run instead of per id: a
        batch of 535 probes returns 26,750 leads, and the per-id lookup and its three
        calls were more than half of such a search."""
        found = [""] * len(positions)
        if not positions:
            return found
        rows = np.asarray(positions, dtype=np.int64)
        runs = np.searchsorted(np.asarray(self._starts, dtype=np.int64), rows, side="right") - 1
        for run in np.unique(runs).tolist():
            where = np.flatnonzero(runs == run)
            if run < 0:
                raise IndexError(f"no face at position {int(rows[where[0]])}")
            source, offsets = self._sources[run], rows[where] - self._starts[run]
            if int(offsets.max()) >= source.size:
                raise IndexError(f"no face at position {int(rows[where[offsets.argmax()]])}")
            face_id = source.face_id
            for at, offset in zip(where.tolist(), offsets.tolist(), strict=True):
                found[at] = face_id(offset)
        return found

    def external_image_id(self, position: int) -> str | None:
        source, offset = self._run(position)
        return source.external_image_id(offset)

    def position_of(self, face_id: str) -> int | None:
        """The position an id was given, deleted or not; None if it was never used."""
        for start, source in zip(self._starts, self._sources, strict=True):
            offset = source.index_of(face_id)
            if offset is not None:
                return start + offset
        return None
