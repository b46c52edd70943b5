"""Calibration figures measured on worlds the real generator builds, searched by `exact_top_k`."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from leadreview.domain.probe import CaptureQuality
from leadreview.search.topk import exact_top_k
from leadreview.simulation.gallery_build import (
    build_gallery,
    gallery_columns,
    gallery_key,
    iter_embedding_chunks,
)
from leadreview.simulation.probes import build_probes
from leadreview.simulation.scenario import Scenario
from leadreview.simulation.score_model import ScoreModel
from leadreview.simulation.world import build_world

StepProgress = Callable[[str, int, int], None]
"""Called with (what, done, total) as a measurement proceeds."""


def best_impostor_cosines(
    gallery: npt.NDArray[np.float32] | npt.NDArray[np.float16],
    probes: npt.NDArray[np.float32],
    mate_index: npt.NDArray[np.int64],
) -> npt.NDArray[np.float32]:
    """Each probe's highest cosine to a face that is not its mate."""
    indices, cosines = exact_top_k(gallery, probes, 2)
    mate_first = indices[:, 0] == mate_index
    best: npt.NDArray[np.float32] = np.where(mate_first, cosines[:, -1], cosines[:, 0])
    return best


@dataclass(frozen=True)
class FalseMatchRun:
    seed: int
    probes: int
    at_low: int
    """Probes with a false match at or above the low threshold."""
    at_low_outside_reference: int
    at_high: int


def false_match_runs(
    model: ScoreModel,
    scenario: Scenario,
    *,
    seeds: Sequence[int],
    thresholds: tuple[float, float],
    reference_group: str,
    progress: StepProgress | None = None,
) -> list[FalseMatchRun]:
    """Per seed: how many non-mated probes have a false match at each threshold."""
    runs = []
    for done, seed in enumerate(seeds):
        world = build_world(scenario, model, seed=seed)
        best = model.similarity(
            best_impostor_cosines(
                world.gallery.embeddings, world.probe_embeddings, world.truth.mate_index
            )
        )
        outside = np.array([t.subject_group != reference_group for t in world.truth.truths])
        low, high = best >= thresholds[0], best >= thresholds[1]
        runs.append(
            FalseMatchRun(
                seed=seed,
                probes=len(best),
                at_low=int(low.sum()),
                at_low_outside_reference=int((low & outside).sum()),
                at_high=int(high.sum()),
            )
        )
        if progress is not None:
            progress("ACLU 2018 replications", done + 1, len(seeds))
    return runs


def large_gallery_best_impostors(
    model: ScoreModel,
    scenario: Scenario,
    *,
    gallery_size: int,
    probe_count: int,
    seed: int,
    progress: StepProgress | None = None,
) -> npt.NDArray[np.float64]:
    """Best impostor similarity of each of `probe_count` non-mated probes of the scenario
    against a generated gallery of `gallery_size`, streamed chunk by chunk (never stored).
    """
    spec = scenario.gallery.model_copy(update={"size": gallery_size})
    probes_spec = scenario.probes.model_copy(update={"count": probe_count, "mated_fraction": 0.0})
    scaled = scenario.model_copy(update={"gallery": spec, "probes": probes_spec})
    columns = gallery_columns(spec, model, seed)
    probes = build_probes(scaled, model, seed, columns, gallery_key(spec, model, seed))
    best = np.full(probe_count, -np.inf, dtype=np.float32)
    for _start, stop, block in iter_embedding_chunks(columns, model, seed):
        _, cosines = exact_top_k(block, probes.embeddings, 1)
        best = np.maximum(best, cosines[:, 0])
        if progress is not None:
            progress(f"gallery of {gallery_size:,}", stop, gallery_size)
    return model.similarity(best)


def mate_similarities(
    model: ScoreModel,
    scenario: Scenario,
    *,
    qualities: Sequence[CaptureQuality],
    seeds: Sequence[int],
    progress: StepProgress | None = None,
) -> dict[CaptureQuality, npt.NDArray[np.float64]]:
    """Similarity of each mated probe to its own mate, per capture quality, over seeds."""
    found: dict[CaptureQuality, list[npt.NDArray[np.float64]]] = {q: [] for q in qualities}
    for done, seed in enumerate(seeds):
        gallery = build_gallery(scenario.gallery, model, seed)
        for quality in qualities:
            spec = scenario.probes.model_copy(
                update={"quality": quality, "quality_mix": None, "mated_fraction": 1.0}
            )
            batch = build_probes(
                scenario.model_copy(update={"probes": spec}),
                model,
                seed,
                gallery.columns,
                gallery.key,
            )
            mates = gallery.embeddings[batch.truth.mate_index]
            cosines = np.einsum("ij,ij->i", batch.embeddings, mates)
            found[quality].append(model.similarity(cosines))
        if progress is not None:
            progress("mated searches", done + 1, len(seeds))
    return {q: np.concatenate(parts) for q, parts in found.items()}
