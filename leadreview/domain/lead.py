"""Leads: the ranked candidates a search returns. A lead is never a match by itself."""

from pydantic import BaseModel, ConfigDict, Field


class Lead(BaseModel):
    model_config = ConfigDict(frozen=True)

    rank: int = Field(ge=1, description="1 is the highest similarity")
    similarity: float = Field(ge=0.0, le=100.0)
    face_id: str
    external_image_id: str
