"""Generate a batch of probes and, kept apart, the ground truth about each.

A mated probe is a new capture of a gallery person (the same individual part, fresh
capture noise); a non-mated probe is a person who is not in the gallery.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from leadreview.domain.identity import AgeBand
from leadreview.domain.probe import CaptureQuality, Probe, ProbeTruth
from leadreview.errors import InputFileError
from leadreview.simulation.allocation import allocate_classes, largest_remainder
from leadreview.simulation.embedding import SEX_BY_CODE, assemble, blur, individuals
from leadreview.simulation.gallery import AGE_BY_CODE, GalleryColumns
from leadreview.simulation.gallery_build import gallery_individuals
from leadreview.simulation.ids import face_id
from leadreview.simulation.mixes import ordered_group_mix
from leadreview.simulation.scenario import Scenario
from leadreview.simulation.score_model import ScoreModel
from leadreview.simulation.streams import stream

FloatMatrix = npt.NDArray[np.float32]
QUALITY_BY_CODE: tuple[CaptureQuality, ...] = tuple(CaptureQuality)
CAPTURE_YEAR_START = datetime(2018, 1, 1)


@dataclass(frozen=True)
class GroundTruth:
    """What only the debrief and the analysis may see."""

    truths: tuple[ProbeTruth, ...]
    mate_index: npt.NDArray[np.int64]
    """Gallery row of each probe's mate, -1 for a non-mated probe."""

    def for_probe(self, probe_id: str) -> ProbeTruth:
        for truth in self.truths:
            if truth.probe_id == probe_id:
                return truth
        raise KeyError(probe_id)


@dataclass(frozen=True)
class ProbeBatch:
    probes: tuple[Probe, ...]
    embeddings: FloatMatrix
    """(count, dims) float32 unit rows, in the order of `probes`."""
    quality: npt.NDArray[np.uint8]
    """Codes into QUALITY_BY_CODE, one per probe."""
    truth: GroundTruth


def _quality_codes(scenario: Scenario, seed: int) -> npt.NDArray[np.uint8]:
    mix = scenario.probes.qualities()
    counts = largest_remainder(
        {q.value: mix.get(q, 0.0) for q in QUALITY_BY_CODE}, scenario.probes.count
    )
    codes = np.repeat(np.arange(len(QUALITY_BY_CODE), dtype=np.uint8), list(counts.values()))
    return codes[stream(seed, "probes", "quality").permutation(len(codes))]


def _choose_mates(
    columns: GalleryColumns,
    *,
    groups: tuple[str, ...],
    group: npt.NDArray[np.uint8],
    sex: npt.NDArray[np.uint8],
    mated: npt.NDArray[np.bool_],
    rng: np.random.Generator,
) -> npt.NDArray[np.int64]:
    """A distinct gallery row of the same group and sex for each mated probe."""
    mate = np.full(len(group), -1, dtype=np.int64)
    for g, s in sorted({(int(a), int(b)) for a, b in zip(group[mated], sex[mated], strict=True)}):
        wanted = np.flatnonzero(mated & (group == g) & (sex == s))
        pool = np.flatnonzero((columns.group == g) & (columns.sex == s))
        if len(pool) < len(wanted):
            raise InputFileError(
                f"field 'probes.mated_fraction': {len(wanted)} mated probes are "
                f"{groups[g]} {SEX_BY_CODE[s].value}, but the gallery holds only "
                f"{len(pool)} such faces"
            )
        mate[wanted] = rng.choice(pool, size=len(wanted), replace=False)
    return mate


def build_probes(
    scenario: Scenario,
    model: ScoreModel,
    seed: int,
    gallery_columns: GalleryColumns,
    gallery_key: str,
    gallery_seed: int | None = None,
) -> ProbeBatch:
    """The probes of `scenario` under `seed`, mated against the gallery of those columns
    (generated from `gallery_seed`, default `seed`: a mate's face is regenerated from it)."""
    spec = scenario.probes
    count = spec.count
    codes = {label: i for i, label in enumerate(model.groups)}
    mix = ordered_group_mix(scenario.probe_group_mix(), model, "probes.group_mix")
    group, sex = allocate_classes(
        mix, scenario.probe_female_share(), count, codes, stream(seed, "probes", "classes")
    )
    quality = _quality_codes(scenario, seed)
    n_mated = round(count * spec.mated_fraction)
    mated = np.zeros(count, dtype=np.bool_)
    mated[stream(seed, "probes", "mated").permutation(count)[:n_mated]] = True
    mate = _choose_mates(
        gallery_columns,
        groups=model.group_labels,
        group=group,
        sex=sex,
        mated=mated,
        rng=stream(seed, "probes", "mates"),
    )

    individual = individuals(stream(seed, "probes", "identity"), count, model)
    if n_mated:
        individual[mated] = gallery_individuals(
            seed if gallery_seed is None else gallery_seed, model, len(gallery_columns), mate[mated]
        )
    median = np.array([model.capture_noise[q].median for q in QUALITY_BY_CODE])[quality]
    spread = np.array([model.capture_noise[q].spread for q in QUALITY_BY_CODE])[quality]
    noise = median * np.exp(spread * stream(seed, "probes", "noise-scale").standard_normal(count))
    captured = blur(individual, noise, stream(seed, "probes", "capture"))
    embeddings = assemble(model, group, sex, captured)

    meta = stream(seed, "probes", "meta")
    age_p = np.array([scenario.probe_age_mix().get(a, 0.0) for a in AGE_BY_CODE])
    age = meta.choice(len(AGE_BY_CODE), size=count, p=age_p / age_p.sum())
    seconds = meta.integers(0, 365 * 24 * 3600, count)
    probes: list[Probe] = []
    truths: list[ProbeTruth] = []
    for i in range(count):
        probe_id = f"{scenario.name}-{seed}-{i + 1:05d}"
        mate_row = int(mate[i])
        age_code = gallery_columns.age[mate_row] if mate_row >= 0 else age[i]
        age_band: AgeBand = AGE_BY_CODE[int(age_code)]
        probes.append(
            Probe(
                probe_id=probe_id,
                quality=QUALITY_BY_CODE[int(quality[i])],
                source=spec.source,
                captured_at=CAPTURE_YEAR_START + timedelta(seconds=int(seconds[i])),
            )
        )
        truths.append(
            ProbeTruth(
                probe_id=probe_id,
                mated=mate_row >= 0,
                mate_face_id=face_id(gallery_key, mate_row) if mate_row >= 0 else None,
                subject_group=model.group_labels[int(group[i])],
                subject_sex=SEX_BY_CODE[int(sex[i])],
                subject_age_band=age_band,
            )
        )
    return ProbeBatch(
        probes=tuple(probes),
        embeddings=embeddings,
        quality=quality,
        truth=GroundTruth(truths=tuple(truths), mate_index=mate),
    )
