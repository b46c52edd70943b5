"""A fixed gallery kept by a cluster worker across the seeds it runs.

When a scenario fixes its gallery's seed, every seed searches the same gallery. On this
machine the seeds map one file (`seed_runs.gallery_placement`); a Dask worker may share
no folder with the others, so each task used to generate the whole gallery again, once
per seed. A worker process now builds it on its first such seed and keeps it for the
next ones: the gallery is generated once per worker, not once per seed.

Kept by its key (`gallery_build.gallery_key`: the gallery spec, the fixed seed, the
score model's embedding parameters and the generator's version), so a different
scenario, model or generator never gets a stale gallery. One gallery is kept at a
time: a worker's memory holds one, and a run has one fixed gallery. The lock makes a
worker's threads (`--nthreads` above 1) wait for the one build instead of each
generating it.
"""

import threading
from dataclasses import dataclass

from leadreview.simulation.gallery import Gallery
from leadreview.simulation.scenario import Scenario
from leadreview.simulation.score_model import ScoreModel


@dataclass
class _Kept:
    gallery: Gallery | None = None


_lock = threading.Lock()
_kept = _Kept()


def kept_gallery(scenario: Scenario, model: ScoreModel) -> tuple[Gallery, bool]:
    """The fixed gallery of `scenario` in this process, and whether it was built now
    (False: an earlier seed in this process built it)."""
    from leadreview.simulation.gallery_build import build_gallery, gallery_key
    from leadreview.simulation.resources import check_gallery_fits

    spec = scenario.gallery
    if spec.seed is None:
        raise ValueError(f"scenario {scenario.name}: its gallery has no fixed seed to keep")
    key = gallery_key(spec, model, spec.seed)
    with _lock:
        if _kept.gallery is not None and _kept.gallery.key == key:
            return _kept.gallery, False
        _kept.gallery = None  # the old one freed before the new one is built
        check_gallery_fits(
            spec.size, model.dims, None, probes=scenario.probes.count, item_bytes=spec.item_bytes
        )
        _kept.gallery = build_gallery(spec, model, spec.seed)
        return _kept.gallery, True
