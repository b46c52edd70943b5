"""Calibration targets, each citing its source in FACTS.md."""

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from leadreview.domain.probe import CaptureQuality
from leadreview.io.yamlfile import load_model
from leadreview.paths import fixtures_dir


class Band(BaseModel):
    """A figure to aim at (`target`, what the fit solves for) and the band it must lie in."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    target: float | None = None
    low: float | None = None
    high: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "Band":
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low {self.low:g} is above high {self.high:g}")
        return self

    def met(self, value: float) -> bool:
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)

    def describe(self, fmt: str = "{:g}") -> str:
        parts = []
        if self.target is not None:
            parts.append("≈" + fmt.format(self.target))
        if self.low is not None and self.high is not None:
            parts.append(f"[{fmt.format(self.low)}, {fmt.format(self.high)}]")
        elif self.low is not None:
            parts.append("≥" + fmt.format(self.low))
        elif self.high is not None:
            parts.append("≤" + fmt.format(self.high))
        return " ".join(parts)

    def aim(self) -> float:
        if self.target is None:
            raise ValueError("this band has no target to fit")
        return self.target


class _Cited(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str = Field(min_length=1)


class AcluTargets(_Cited):
    scenario: str
    threshold: float = Field(ge=0.0, le=100.0)
    reference_group: str = Field(description="the group not counted as people of color")
    probes_with_false_match: Band
    people_of_color_share: Band


class TailTargets(_Cited):
    gallery_size: int = Field(ge=1)
    threshold: float = Field(ge=0.0, le=100.0)
    fraction_of_probes: Band
    monte_carlo_probes: int = Field(ge=1, le=5000)
    ratio_95_to_80: Band = Field(description="probes with a false match at 95 over those at 80")


class GenuineTargets(_Cited):
    scenario: str = Field(description="whose gallery supplies the mated people")
    median_similarity: dict[CaptureQuality, Band]
    cctv_below_99: Band
    cctv_tenth_percentile: Band
    fit_samples: int = Field(ge=100, le=1_000_000)


class NistTargets(_Cited):
    operating_fmr: float = Field(gt=0.0, lt=1.0)
    group_ratio: Band
    women_to_men: Band


class Targets(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    seeds: list[int] = Field(min_length=1)
    aclu: AcluTargets
    tail: TailTargets
    genuine: GenuineTargets
    nist: NistTargets


def default_targets_path() -> Path:
    return fixtures_dir() / "calibration" / "targets.yaml"


def load_targets(path: Path | None = None) -> Targets:
    return load_model(path or default_targets_path(), Targets, "calibration targets")
