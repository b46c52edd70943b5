"""A generated gallery: columnar person data, the embedding matrix, and faces on demand.

A million pydantic records would take minutes to build and gigabytes to hold, so person
data stays in numpy columns and a `GalleryFace` is made only when someone asks for one.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from leadreview.domain.identity import AgeBand, GalleryFace, PersonRecord
from leadreview.simulation.embedding import SEX_BY_CODE
from leadreview.simulation.ids import face_id, face_index
from leadreview.simulation.names import BOOKING_CHARGES, GIVEN_NAMES, SURNAMES

FloatMatrix = npt.NDArray[np.float32]
GalleryMatrix = npt.NDArray[np.float32] | npt.NDArray[np.float16]
AGE_BY_CODE: tuple[AgeBand, ...] = tuple(AgeBand)
# The WCSO's booking photos date from 2001 (FACTS.md, WCSO to Gizmodo, 2019).
FIRST_BOOKING = date(2001, 1, 1)
LAST_BOOKING = date(2018, 12, 31)


@dataclass(frozen=True)
class GalleryColumns:
    """One entry per face; codes index `groups`, `SEX_BY_CODE`, `AGE_BY_CODE` and the name lists."""

    group: npt.NDArray[np.uint8]
    sex: npt.NDArray[np.uint8]
    age: npt.NDArray[np.uint8]
    given_name: npt.NDArray[np.uint16]
    surname: npt.NDArray[np.uint16]
    booking_day: npt.NDArray[np.int32]
    charge: npt.NDArray[np.uint8]

    def __len__(self) -> int:
        return int(self.group.shape[0])


@dataclass(frozen=True)
class Gallery:
    key: str
    """Hash of everything that determines the gallery: seed, spec, score-model parameters."""
    groups: tuple[str, ...]
    columns: GalleryColumns
    embeddings: GalleryMatrix
    """(size, dims) float32 (or float16, as the spec's `storage` says) unit rows; a
    read-only memory map for cached galleries."""

    @property
    def size(self) -> int:
        return len(self.columns)

    def __len__(self) -> int:
        return self.size

    def face_id(self, index: int) -> str:
        return face_id(self.key, index)

    def index_of(self, face_id_text: str) -> int | None:
        """The row of a FaceId of this gallery, or None."""
        return face_index(self.key, face_id_text, self.size)

    def person_id(self, index: int) -> str:
        return f"P{index + 1:08d}"

    def external_image_id(self, index: int) -> str:
        # Rekognition allows [a-zA-Z0-9_.\-:]+ here.
        return f"booking:{self.person_id(index)}:{self.booking_date(index):%Y%m%d}"

    def booking_date(self, index: int) -> date:
        return FIRST_BOOKING + timedelta(days=int(self.columns.booking_day[index]))

    def group_of(self, index: int) -> str:
        return self.groups[int(self.columns.group[index])]

    def person(self, index: int) -> PersonRecord:
        c = self.columns
        return PersonRecord(
            person_id=self.person_id(index),
            name=f"{GIVEN_NAMES[int(c.given_name[index])]} {SURNAMES[int(c.surname[index])]}",
            group=self.group_of(index),
            sex=SEX_BY_CODE[int(c.sex[index])],
            age_band=AGE_BY_CODE[int(c.age[index])],
            booking_date=self.booking_date(index),
            booking_charge=BOOKING_CHARGES[int(c.charge[index])],
        )

    def face(self, index: int) -> GalleryFace:
        if not 0 <= index < self.size:
            raise IndexError(f"face index {index} outside a gallery of {self.size}")
        return GalleryFace(
            face_id=self.face_id(index),
            external_image_id=self.external_image_id(index),
            person=self.person(index),
        )
