"""The enforcement gate: no arrest, warrant or search may rest on a face-search lead alone.

The Washington County Sheriff's Office: "investigators are not permitted to take
enforcement action based solely on a potential identification lead." The 2024 Detroit
settlement (Williams) also bars acting on a photo line-up that follows directly from a
face-recognition result. So a request must cite evidence that is independent of the
lead: neither the lead itself nor a line-up built from it counts.
"""

from collections.abc import Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class EnforcementKind(StrEnum):
    ARREST = "arrest"
    WARRANT = "warrant"
    SEARCH = "search"


class EvidenceKind(StrEnum):
    FACE_SEARCH_LEAD = "face-search-lead"
    PHOTO_LINEUP = "photo-lineup"
    EYEWITNESS = "eyewitness"
    FINGERPRINT = "fingerprint"
    DNA = "dna"
    VEHICLE_RECORD = "vehicle-record"
    PHONE_RECORD = "phone-record"
    FINANCIAL_RECORD = "financial-record"
    PHYSICAL_EVIDENCE = "physical-evidence"
    DOCUMENT = "document"
    OTHER = "other"


# A line-up on a case that began with a face-search lead shows the lead's subject: it
# follows from the lead, whatever the officer believes, so it never corroborates it.
NOT_INDEPENDENT = frozenset({EvidenceKind.FACE_SEARCH_LEAD, EvidenceKind.PHOTO_LINEUP})


class EvidenceItem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: EvidenceKind
    description: str = Field(max_length=2000)
    derived_from_lead: bool = Field(
        default=False, description="the item was found only by following the lead"
    )

    @property
    def independent(self) -> bool:
        return (
            self.kind not in NOT_INDEPENDENT
            and not self.derived_from_lead
            and bool(self.description.strip())
        )


def why_not_corroborated(evidence: Sequence[EvidenceItem]) -> str | None:
    """The reason the evidence does not corroborate the lead, or None if it does."""
    if not evidence:
        return "no corroborating evidence cited; a face-search lead alone is not enough"
    for index, item in enumerate(evidence):
        if not item.description.strip():
            return f"evidence item {index + 1} ({item.kind.value}) has no description"
    if not any(item.independent for item in evidence):
        kinds = ", ".join(sorted({item.kind.value for item in evidence}))
        return (
            f"no evidence independent of the lead (cited: {kinds}); the lead and a "
            "line-up that follows from it do not corroborate it"
        )
    return None
