"""Batch scenario files: a gallery, a batch of probes, and the policies to evaluate them under.

Used by `leadreview replay` and `leadreview compare`. Every figure in a scenario file
cites its source; assumptions say they are assumptions.
"""

from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from leadreview.domain.identity import AgeBand
from leadreview.domain.policy import PolicyName, UseCase
from leadreview.domain.probe import CaptureQuality
from leadreview.io.named_files import resolve_named, shipped_files
from leadreview.io.yamlfile import load_model
from leadreview.paths import fixtures_dir
from leadreview.simulation.score_model import GroupLabel

Share = Annotated[float, Field(ge=0.0, le=1.0)]
ScenarioName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
SCENARIO_SUFFIXES = (".yaml", ".yml")

# Generated galleries may be statewide: Michigan's SNAP held 49,750,105 templated faces
# in 2019 (FACTS.md). Twice that leaves room; it is a sanity bound, not Rekognition's
# 20-million-face collection limit, which the simulator's bulk import does not apply.
MAX_GALLERY = 100_000_000
_MIX_TOLERANCE = 1e-6


KeyT = TypeVar("KeyT")


def _check_mix(mix: dict[KeyT, float]) -> dict[KeyT, float]:
    if not mix:
        raise ValueError("a mix needs at least one entry")
    total = sum(mix.values())
    if abs(total - 1.0) > _MIX_TOLERANCE:
        raise ValueError(f"shares must sum to 1, not {total:g}")
    return mix


GroupMix = Annotated[dict[GroupLabel, Share], AfterValidator(_check_mix)]
AgeMix = Annotated[dict[AgeBand, Share], AfterValidator(_check_mix)]
QualityMix = Annotated[dict[CaptureQuality, Share], AfterValidator(_check_mix)]


# Booking ages, an assumption: mostly adults under 45, few minors and elders.
DEFAULT_GALLERY_AGES: dict[AgeBand, float] = {
    AgeBand.CHILD: 0.03,
    AgeBand.YOUNG: 0.37,
    AgeBand.ADULT: 0.36,
    AgeBand.MIDDLE: 0.21,
    AgeBand.ELDER: 0.03,
}


class GallerySpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    size: int = Field(ge=1, le=MAX_GALLERY)
    group_mix: GroupMix
    female_share: Share = 0.25
    age_mix: AgeMix = Field(default_factory=lambda: dict(DEFAULT_GALLERY_AGES))
    storage: Literal["float32", "float16"] = Field(
        default="float32",
        description="how embeddings are stored: float16 halves memory (statewide galleries); "
        "searches stay exact for the stored vectors",
    )
    seed: int | None = Field(
        default=None,
        ge=0,
        lt=2**63,
        description="a fixed gallery: every seed of a run searches the gallery of this seed "
        "(generated once and shared by the worker processes); only the probes vary. "
        "Default: each seed has its own gallery",
    )

    @property
    def item_bytes(self) -> int:
        """Bytes of one stored embedding component."""
        return 2 if self.storage == "float16" else 4

    def seed_under(self, run_seed: int) -> int:
        """The seed this gallery is generated from in a run under `run_seed`."""
        return run_seed if self.seed is None else self.seed


class ProbeSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    count: int = Field(ge=1, le=1_000_000)
    group_mix: GroupMix | None = Field(default=None, description="default: the gallery's mix")
    female_share: Share | None = Field(default=None, description="default: the gallery's")
    age_mix: AgeMix | None = Field(default=None, description="default: gallery's")
    quality: CaptureQuality | None = None
    quality_mix: QualityMix | None = None
    mated_fraction: Share = 0.0
    source: str = Field(
        default="synthetic probe", min_length=1, description="what a reviewer is told"
    )

    @model_validator(mode="after")
    def _one_quality(self) -> "ProbeSpec":
        if (self.quality is None) == (self.quality_mix is None):
            raise ValueError("give exactly one of quality and quality_mix")
        return self

    def qualities(self) -> dict[CaptureQuality, float]:
        if self.quality_mix is not None:
            return dict(self.quality_mix)
        assert self.quality is not None
        return {self.quality: 1.0}


class Scenario(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: ScenarioName
    title: str = Field(min_length=1)
    sources: list[str] = Field(min_length=1, description="citations for every figure used")
    seed: int = Field(ge=0, lt=2**63)
    gallery: GallerySpec
    probes: ProbeSpec
    use_case: UseCase = UseCase.INVESTIGATION
    max_faces: int = Field(default=5, ge=1, le=4096, description="leads returned per search")
    policies: list[PolicyName] = Field(min_length=1)
    notes: str = ""

    def probe_group_mix(self) -> dict[str, float]:
        return dict(self.probes.group_mix or self.gallery.group_mix)

    def probe_female_share(self) -> float:
        share = self.probes.female_share
        return self.gallery.female_share if share is None else share

    def probe_age_mix(self) -> dict[AgeBand, float]:
        return dict(self.probes.age_mix or self.gallery.age_mix)


def bundled_scenarios_dir() -> Path:
    return fixtures_dir() / "scenarios"


def bundled_scenario_paths() -> list[Path]:
    return shipped_files(bundled_scenarios_dir(), SCENARIO_SUFFIXES)


def resolve_scenario(ref: str | Path) -> Path:
    """A scenario given as a path to a file, or as the name of a bundled scenario."""
    return resolve_named(ref, bundled_scenarios_dir(), SCENARIO_SUFFIXES, "scenario")


def load_scenario_file(path: Path) -> Scenario:
    return load_model(path, Scenario, "scenario")


def load_scenario(ref: str | Path) -> Scenario:
    return load_scenario_file(resolve_scenario(ref))
