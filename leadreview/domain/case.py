"""A case: an offense under investigation, one probe image, and the leads its search gave."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from leadreview.domain.policy import UseCase
from leadreview.domain.probe import CaptureQuality

# Rekognition accepts at most 5 MB of image bytes.
MAX_PROBE_BYTES = 5 * 1024 * 1024

NonBlank = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class CaseOpening(BaseModel):
    """What an investigator submits to open a case: the offense and the probe."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    offense: NonBlank
    use_case: UseCase = UseCase.INVESTIGATION
    quality: CaptureQuality
    source: NonBlank = Field(description="where the probe came from, e.g. 'store CCTV, aisle 4'")
    image: bytes | None = Field(default=None, max_length=MAX_PROBE_BYTES, repr=False)
    probe_ref: str | None = Field(
        default=None,
        min_length=1,
        max_length=255,
        description="the probe's id in a scenario; its image is fetched if none is given",
    )
    captured_at: datetime | None = None

    @model_validator(mode="after")
    def _an_image_or_a_reference(self) -> "CaseOpening":
        if self.image is None and self.probe_ref is None:
            raise ValueError("give the probe as image bytes or as a probe reference")
        return self
