"""Probes made to order: for each case, a capture whose ground truth is what the scenario
asks for (the true mate ranked in its band, a wrong person scoring high, ...).

The score model stays in charge: a mated probe is the mate's own face under capture
noise, and we only *choose* among noise levels. Candidates come first from the model's
own noise distribution for the capture quality (the realistic draws), then from a wide
grid, and the first that meets every condition wins, so a seed always gives the same
probe. A non-mated probe that must score high against a wrong person is a look-alike of
one gallery face (a different person, close in face space), as in the Detroit case.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from leadreview.domain.identity import AgeBand, Sex
from leadreview.exercise.scenario import CaseSpec
from leadreview.simulation.embedding import SEX_BY_CODE, assemble, blur, individuals
from leadreview.simulation.gallery import AGE_BY_CODE, Gallery
from leadreview.simulation.gallery_build import gallery_individuals
from leadreview.simulation.score_model import ScoreModel
from leadreview.simulation.streams import stream

FloatVector = npt.NDArray[np.float32]
MODEL_DRAWS = 128
GRID_POINTS = 192
FRESH_STRANGERS = 16


class Unsatisfiable(ValueError):
    """No candidate probe meets the case's conditions; `field` names the condition."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class CaseTruth:
    """Ground truth of one case: for the debrief only."""

    mated: bool
    mate_face_id: str | None
    mate_rank: int | None  # among the whole gallery
    mate_similarity: float | None
    top_impostor_face_id: str
    top_impostor_similarity: float
    lookalike_face_id: str | None  # the gallery face a non-mated subject was made to resemble
    subject_group: str
    subject_sex: Sex
    subject_age_band: AgeBand


@dataclass(frozen=True)
class BuiltProbe:
    embedding: FloatVector
    truth: CaseTruth


def build_case_probe(
    case: CaseSpec,
    index: int,
    gallery: Gallery,
    model: ScoreModel,
    seed: int,
    group_mix: dict[str, float],
    female_share: float,
) -> BuiltProbe:
    rng = stream(seed, "exercise", "case", case.id)
    group, sex = _subject(case, rng, group_mix, female_share)
    group_code = model.group_labels.index(group)
    anchor = _anchor_row(case, index, gallery, group_code, sex, rng)
    needs_anchor = case.mated or case.top_impostor_similarity is not None
    base = (
        gallery_individuals(seed, model, gallery.size, np.array([anchor], dtype=np.int64))[0]
        if needs_anchor
        else None
    )
    candidates = _candidates(case, model, base, rng)
    codes = np.full(len(candidates), group_code, dtype=np.uint8)
    sexes = np.full(len(candidates), SEX_BY_CODE.index(sex), dtype=np.uint8)
    probes = assemble(model, codes, sexes, candidates)
    for j in range(len(probes)):
        cosines = exact_cosines(gallery.embeddings, probes[j])
        truth = _truth_if_fits(case, cosines, anchor, gallery, model, group, sex)
        if truth is not None:
            return BuiltProbe(embedding=np.ascontiguousarray(probes[j]), truth=truth)
    raise Unsatisfiable(
        _strictest_field(case),
        f"no {case.quality.value} probe of this gallery meets the case's conditions "
        f"(tried {len(probes)}); widen the band or change the gallery",
    )


# Rows per block of the exact cosines: a few MB of float64 at a time.
_EXACT_BLOCK_ROWS = 8192


def exact_cosines(
    embeddings: npt.NDArray[np.float32] | npt.NDArray[np.float16], probe: npt.NDArray[np.float32]
) -> npt.NDArray[np.float64]:
    """Every gallery row's cosine with `probe` in float64, summed as the search's rescoring
    sums its candidates (numpy's pairwise sum, search/matching.py), so the truth an
    exercise seals names the ranks and Similarity the search will show. Not a BLAS
    product: BLAS's kernels differ between CPUs in the last bits, and the sealed truth's
    digest, recorded in the audit log, must not depend on the machine."""
    probe64 = probe.astype(np.float64)
    out = np.empty(embeddings.shape[0], dtype=np.float64)
    for start in range(0, embeddings.shape[0], _EXACT_BLOCK_ROWS):
        block = embeddings[start : start + _EXACT_BLOCK_ROWS].astype(np.float64)
        out[start : start + block.shape[0]] = (block * probe64).sum(axis=1)
    return out


def _strictest_field(case: CaseSpec) -> str:
    if case.mated and case.mate_rank is not None:
        return "mate_rank"
    if case.mated and case.mate_similarity is not None:
        return "mate_similarity"
    return "top_impostor_similarity"


def _subject(
    case: CaseSpec, rng: np.random.Generator, mix: dict[str, float], female_share: float
) -> tuple[str, Sex]:
    labels = sorted(mix)
    weights = np.array([mix[label] for label in labels])
    drawn_group = labels[int(rng.choice(len(labels), p=weights / weights.sum()))]
    drawn_sex = Sex.FEMALE if rng.random() < female_share else Sex.MALE
    return case.subject.group or drawn_group, case.subject.sex or drawn_sex


def _anchor_row(
    case: CaseSpec,
    index: int,
    gallery: Gallery,
    group_code: int,
    sex: Sex,
    rng: np.random.Generator,
) -> int:
    """The mate (mated) or the look-alike's model (non-mated): same group and sex."""
    columns = gallery.columns
    match = (columns.group == group_code) & (columns.sex == SEX_BY_CODE.index(sex))
    if case.subject.age_band is not None:
        match &= columns.age == AGE_BY_CODE.index(case.subject.age_band)
    pool = np.flatnonzero(match)
    if len(pool) == 0:
        raise Unsatisfiable("subject", "the gallery holds no face of this group, sex and age")
    return int(pool[rng.integers(len(pool))])


def _noise_levels(case: CaseSpec, model: ScoreModel, rng: np.random.Generator) -> FloatVector:
    noise = model.capture_noise[case.quality]
    drawn = noise.median * np.exp(noise.spread * rng.standard_normal(MODEL_DRAWS))
    grid = np.geomspace(0.02, 8.0, GRID_POINTS)
    return np.concatenate([drawn, grid]).astype(np.float32)


def _candidates(
    case: CaseSpec, model: ScoreModel, base: FloatVector | None, rng: np.random.Generator
) -> npt.NDArray[np.float32]:
    quality_noise = model.capture_noise[case.quality].median
    strangers = blur(individuals(rng, FRESH_STRANGERS, model), quality_noise, rng)
    if base is None:
        return strangers
    levels = _noise_levels(case, model, rng)
    if not case.mated:
        # A look-alike is a different person: keep well away from the anchor itself.
        levels = levels[levels > 0.35]
    near = blur(np.repeat(base[None, :], len(levels), axis=0), levels.astype(np.float64), rng)
    return near if case.mated else np.concatenate([strangers, near])


def _truth_if_fits(
    case: CaseSpec,
    cosines: npt.NDArray[np.float64],
    anchor: int,
    gallery: Gallery,
    model: ScoreModel,
    group: str,
    sex: Sex,
) -> CaseTruth | None:
    similarity = model.similarity
    mate_rank = mate_sim = None
    impostors = cosines.copy()
    if case.mated:
        mate_rank = 1 + int(np.count_nonzero(cosines > cosines[anchor]))
        mate_sim = float(similarity.to_similarity(cosines[anchor]))
        impostors[anchor] = -np.inf
        if case.mate_rank is not None and not case.mate_rank.holds(mate_rank):
            return None
        if case.mate_similarity is not None and not case.mate_similarity.holds(mate_sim):
            return None
    top = int(np.argmax(impostors))
    top_sim = float(similarity.to_similarity(impostors[top]))
    if case.top_impostor_similarity is not None and not case.top_impostor_similarity.holds(top_sim):
        return None
    lookalike = None if case.mated or case.top_impostor_similarity is None else anchor
    return CaseTruth(
        mated=case.mated,
        mate_face_id=gallery.face_id(anchor) if case.mated else None,
        mate_rank=mate_rank,
        mate_similarity=mate_sim,
        top_impostor_face_id=gallery.face_id(top),
        top_impostor_similarity=top_sim,
        lookalike_face_id=gallery.face_id(lookalike) if lookalike is not None else None,
        subject_group=group,
        subject_sex=sex,
        subject_age_band=(
            AGE_BY_CODE[int(gallery.columns.age[anchor])]
            if case.mated
            else case.subject.age_band or AgeBand.ADULT
        ),
    )
