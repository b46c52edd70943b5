"""The parameters of the score model, as read from (and written to) a YAML file.

Identities of one demographic group cluster around a group direction with tightness
`rho` (higher: impostors of that group look more alike), plus a smaller sex component.
The rest of each embedding is the individual: a point uniform on a sphere in the
subspace orthogonal to all group and sex directions. Capture noise blurs only that
individual part, so a poor probe keeps its demographic appearance but loses what
distinguishes the person.
"""

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from leadreview.domain.identity import Sex
from leadreview.domain.probe import CaptureQuality
from leadreview.io.yamlfile import load_model
from leadreview.paths import fixtures_dir
from leadreview.simulation.similarity import SimilarityMap

GroupLabel = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,31}$")]
Tightness = Annotated[float, Field(ge=0.0, lt=1.0)]

# Below this many individual dimensions the sphere's tail is too fat to be face-like.
MIN_INDIVIDUAL_DIMS = 16


class CaptureNoise(BaseModel):
    """Per-probe noise scale: `median * exp(spread * N(0, 1))`, so probes of one quality vary."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    median: float = Field(gt=0.0, le=20.0)
    spread: float = Field(ge=0.0, le=2.0)


class ScoreModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    dims: int = Field(ge=8, le=4096)
    groups: dict[GroupLabel, Tightness] = Field(
        min_length=1, description="rho per demographic group, in embedding order"
    )
    sex: dict[Sex, Tightness]
    booking_noise: float = Field(ge=0.0, le=20.0, description="noise of a gallery booking photo")
    capture_noise: dict[CaptureQuality, CaptureNoise]
    similarity: SimilarityMap

    @model_validator(mode="after")
    def _consistent(self) -> "ScoreModel":
        if set(self.sex) != set(Sex):
            raise ValueError(f"sex must give a tightness for each of {', '.join(Sex)}")
        missing = [q.value for q in CaptureQuality if q not in self.capture_noise]
        if missing:
            raise ValueError(f"capture_noise lacks {', '.join(missing)}")
        if self.individual_dims < MIN_INDIVIDUAL_DIMS:
            raise ValueError(
                f"dims {self.dims} leaves {self.individual_dims} individual dimensions "
                f"after {len(self.groups)} groups and 2 sexes; need {MIN_INDIVIDUAL_DIMS}"
            )
        worst = max(self.groups.values()) + max(self.sex.values())
        if worst >= 0.9:
            raise ValueError(
                f"group plus sex tightness reaches {worst:.3f}; it must stay below 0.9 "
                "so that individuals remain distinguishable"
            )
        return self

    @property
    def group_labels(self) -> tuple[str, ...]:
        return tuple(self.groups)

    @property
    def individual_dims(self) -> int:
        """Dimensions left for the individual after one axis per group and per sex."""
        return self.dims - len(self.groups) - len(Sex)

    def structure_tightness(self, group: str, sex: Sex) -> float:
        """rho_group + rho_sex: the squared length of an embedding's demographic part."""
        return self.groups[group] + self.sex[sex]


def default_score_model_path() -> Path:
    return fixtures_dir() / "calibration" / "score-model.yaml"


def load_score_model(path: Path | None = None) -> ScoreModel:
    return load_model(path or default_score_model_path(), ScoreModel, "score model")
