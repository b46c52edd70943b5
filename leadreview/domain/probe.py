"""Probe images: what an investigator submits, and the ground truth kept apart from it."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from leadreview.domain.identity import AgeBand, Sex


class CaptureQuality(StrEnum):
    """How the probe was captured, best first. Capture noise grows down the list."""

    BOOKING = "booking"
    PORTRAIT = "portrait"
    PHONE = "phone"
    CCTV = "cctv"


class Probe(BaseModel):
    """What the reviewer sees of a probe: never whether it is mated."""

    model_config = ConfigDict(frozen=True)

    probe_id: str
    quality: CaptureQuality
    source: str
    captured_at: datetime


class ProbeTruth(BaseModel):
    """Ground truth for a probe, revealed only at debrief and used by analysis."""

    model_config = ConfigDict(frozen=True)

    probe_id: str
    mated: bool
    mate_face_id: str | None
    subject_group: str
    subject_sex: Sex
    subject_age_band: AgeBand
