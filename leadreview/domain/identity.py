"""Synthetic people and their booking photos."""

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"


class AgeBand(StrEnum):
    CHILD = "under-18"
    YOUNG = "18-29"
    ADULT = "30-44"
    MIDDLE = "45-64"
    ELDER = "65+"


class PersonRecord(BaseModel):
    """What a booking record shows a reviewer about a synthetic person.

    The names are synthetic and drawn from a seeded generator: they belong to nobody.
    """

    model_config = ConfigDict(frozen=True)

    person_id: str
    name: str
    group: str = Field(description="demographic group label, as named in the scenario's mix")
    sex: Sex
    age_band: AgeBand
    booking_date: date
    booking_charge: str


class GalleryFace(BaseModel):
    """One booking photo in the gallery (one indexed face)."""

    model_config = ConfigDict(frozen=True)

    face_id: str
    external_image_id: str
    person: PersonRecord
