"""Run a scenario's searches once: world → simulated Rekognition → ranked leads.

The same path a workflow search takes (a collection, the gallery indexed in it, a
search with no threshold), batched: the probes' face descriptors go to the simulator's
`search_embeddings`, which ranks exactly as `search_faces_by_image` would. Every policy
is then applied to the same leads, so comparing p policies costs one search, not p.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from leadreview.analysis.batch import SearchBatch
from leadreview.simulation.gallery_build import ProgressCallback
from leadreview.simulation.scenario import Scenario
from leadreview.simulation.score_model import ScoreModel, load_score_model
from leadreview.simulation.world import World, build_world

if TYPE_CHECKING:
    from leadreview.search.matching import EmbeddingSearchResult
    from leadreview.simulation.gallery import Gallery

COLLECTION_ID = "booking-photos"
# The sheriff's practice asks for every candidate: no threshold at search time.
NO_THRESHOLD = 0.0


@dataclass(frozen=True)
class ScenarioRun:
    world: World
    result: "EmbeddingSearchResult"
    batch: SearchBatch


def _load_search_modules() -> None:
    import leadreview.search.collections
    import leadreview.search.simulated  # noqa: F401
    from leadreview.search.service_model import service_model

    # Every simulated call validates against botocore's Rekognition model: its session
    # and JSON model took a quarter of a second of one core, after the gallery, before
    # the search could start (py-spy on `replay --gallery-size 1000000`).
    service_model()


def search_world(world: World, max_faces: int) -> "EmbeddingSearchResult":
    from leadreview.search.collections import load_gallery
    from leadreview.search.simulated import SimulatedRekognition

    client = SimulatedRekognition(world.similarity, dimension=world.gallery_embeddings.shape[1])
    load_gallery(client, COLLECTION_ID, world.gallery)
    return client.search_embeddings(
        CollectionId=COLLECTION_ID,
        Embeddings=world.probe_embeddings,
        MaxFaces=max_faces,
        FaceMatchThreshold=NO_THRESHOLD,
    )


def batch_from(world: World, result: "EmbeddingSearchResult") -> SearchBatch:
    mate_rows = world.truth.mate_index[:, None]
    return SearchBatch(
        similarities=result.similarities,
        is_true_mate=(result.positions == mate_rows) & (mate_rows >= 0),
        probe_groups=np.array([t.subject_group for t in world.truth.truths]),
        probe_mated=world.truth.mate_index >= 0,
        gallery_size=world.gallery.size,
    )


def run_scenario(
    scenario: Scenario,
    *,
    seed: int | None = None,
    model: ScoreModel | None = None,
    cache_dir: Path | None = None,
    progress: ProgressCallback | None = None,
    gallery: "Gallery | None" = None,
) -> ScenarioRun:
    """Build the world of `scenario` under `seed` (its gallery from `cache_dir`, or the
    `gallery` given, see `build_world`) and search it."""
    from concurrent.futures import ThreadPoolExecutor

    # The search's modules (botocore's error classes among them) and the service model
    # take about half a second of one core; loaded beside the gallery's generation they
    # share the cores with it instead of standing alone between the generation and the
    # search.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-search") as loader:
        loading = loader.submit(_load_search_modules)
        world = build_world(
            scenario,
            model or load_score_model(),
            seed=seed,
            cache_dir=cache_dir,
            progress=progress,
            gallery=gallery,
        )
        loading.result()
    result = search_world(world, max_faces=min(scenario.max_faces, world.gallery.size))
    return ScenarioRun(world=world, result=result, batch=batch_from(world, result))
