"""A world: one scenario under one seed, its gallery, its probes, and the score map."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from leadreview.domain.probe import Probe
from leadreview.errors import InputFileError
from leadreview.simulation.gallery import Gallery
from leadreview.simulation.gallery_build import ProgressCallback, build_gallery, gallery_key
from leadreview.simulation.probes import GroundTruth, build_probes
from leadreview.simulation.resources import check_gallery_fits
from leadreview.simulation.scenario import Scenario
from leadreview.simulation.score_model import ScoreModel
from leadreview.simulation.similarity import SimilarityMap

FloatMatrix = npt.NDArray[np.float32]
GalleryMatrix = npt.NDArray[np.float32] | npt.NDArray[np.float16]


@dataclass(frozen=True)
class World:
    scenario: Scenario
    seed: int
    gallery: Gallery
    probes: tuple[Probe, ...]
    """What a reviewer may see of each probe."""
    probe_embeddings: FloatMatrix
    """(probes, dims) float32 unit rows: the face descriptor each probe image carries."""
    truth: GroundTruth
    """Kept apart: for the debrief and the analysis only."""
    similarity: SimilarityMap

    @property
    def gallery_embeddings(self) -> GalleryMatrix:
        return self.gallery.embeddings


def build_world(
    scenario: Scenario,
    model: ScoreModel,
    *,
    seed: int | None = None,
    cache_dir: Path | None = None,
    progress: ProgressCallback | None = None,
    gallery: Gallery | None = None,
) -> World:
    """Generate `scenario` under `seed` (default: the scenario's own).

    `cache_dir` keeps the gallery matrix as a memory-mapped `.npy` reused across runs;
    without it the matrix is built in memory. `progress(done, total)` follows the gallery.
    `gallery`: the one this world's gallery would be, already built (a worker keeps a
    fixed gallery across its seeds); refused unless its key is that gallery's.
    """
    chosen = scenario.seed if seed is None else seed
    gallery_seed = scenario.gallery.seed_under(chosen)
    if gallery is not None:
        expected = gallery_key(scenario.gallery, model, gallery_seed)
        if gallery.key != expected:
            raise ValueError(f"gallery {gallery.key} given where {expected} is built")
        return _world(scenario, model, chosen, gallery_seed, gallery)
    # Before minutes of work: a gallery that cannot fit is refused with how much it needs.
    spec = scenario.gallery
    check_gallery_fits(
        spec.size, model.dims, cache_dir, probes=scenario.probes.count, item_bytes=spec.item_bytes
    )
    # A fixed gallery (the spec's own seed) is the same in every run; probes follow `chosen`.
    try:
        built = build_gallery(
            scenario.gallery, model, gallery_seed, cache_dir=cache_dir, progress=progress
        )
    except InputFileError as exc:
        raise InputFileError(f"scenario {scenario.name}: {exc.message}") from None
    return _world(scenario, model, chosen, gallery_seed, built)


def _world(
    scenario: Scenario, model: ScoreModel, chosen: int, gallery_seed: int, gallery: Gallery
) -> World:
    try:
        batch = build_probes(
            scenario, model, chosen, gallery.columns, gallery.key, gallery_seed=gallery_seed
        )
    except InputFileError as exc:
        raise InputFileError(f"scenario {scenario.name}: {exc.message}") from None
    return World(
        scenario=scenario,
        seed=chosen,
        gallery=gallery,
        probes=batch.probes,
        probe_embeddings=batch.embeddings,
        truth=batch.truth,
        similarity=model.similarity,
    )
