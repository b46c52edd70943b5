"""One seed's searches, as a worker process (local or on a cluster) runs them, and the
memory-mapped gallery that local workers share.

A seed's world depends on its seed alone, so a seed run anywhere gives the batch a serial
run gives. When every seed searches the same gallery (the scenario fixes the gallery's
seed), the gallery is generated once into a `.npy` file and each worker maps it
read-only: the operating system keeps one copy of its pages for all of them, instead of
one copy per worker. A large gallery of its own per seed is also written to a file in
that folder (and removed once searched), so several workers' galleries need not fit in
memory at once: the kernel pages them from disk.
"""

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from leadreview.simulation.scenario import Scenario
from leadreview.simulation.score_model import ScoreModel
from leadreview.simulation.search_batch import SearchBatch

# Galleries of their own per seed above this are written to files when seeds run in
# several processes: a few workers' in-memory copies of a 10-million-face gallery would
# not fit; below it, writing and mapping a file costs more than it saves.
FILE_BACKED_FROM_FACES = 2_000_000


@dataclass(frozen=True)
class WorkerMemory:
    """A worker's memory after its search (kibibytes, Linux's /proc; None elsewhere)."""

    anonymous_kib: int | None
    """Private memory: a copied gallery would be here."""
    file_kib: int | None
    """Mapped file pages resident: a shared gallery is here, counted once per machine."""
    proportional_kib: int | None
    """PSS: each shared page divided among the processes mapping it."""


@dataclass(frozen=True)
class SeedRun:
    seed: int
    batch: SearchBatch
    gallery_mapped: bool
    """The worker's gallery was a read-only memory map of a file, not its own copy."""
    memory: WorkerMemory
    gallery_built: bool = True
    """This seed generated its gallery (or wrote its file); False: the gallery was one
    its worker had already built for an earlier seed (`worker_gallery.py`)."""


@dataclass(frozen=True)
class GalleryPlacement:
    """Where the workers of a run find (or write) their galleries."""

    folder: str | None = None
    """The folder of memory-mapped galleries; None: each worker builds its own in memory."""
    shared: bool = False
    """Every seed maps the one gallery already in `folder`; else each writes and removes
    its own there."""
    kept_in_worker: bool = False
    """The scenario's fixed gallery is built once by each worker process and kept for
    its next seeds (cluster workers, which share no folder)."""


def _proc_kib(path: str, field: str) -> int | None:
    try:
        with open(path, encoding="ascii") as lines:
            for line in lines:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def worker_memory() -> WorkerMemory:
    return WorkerMemory(
        anonymous_kib=_proc_kib("/proc/self/status", "RssAnon"),
        file_kib=_proc_kib("/proc/self/status", "RssFile"),
        proportional_kib=_proc_kib("/proc/self/smaps_rollup", "Pss"),
    )


def run_seed(
    scenario: Scenario, seed: int, placement: GalleryPlacement, model: ScoreModel
) -> SeedRun:
    """Build one seed's world (its gallery mapped from `placement.folder` when there is
    one) and search it. Run in a worker process: a module-level function, picklable.
    `model` is read once by the caller (parsing it costs a third of a small seed) and
    sent along, so every worker, here or on a cluster, uses the caller's."""
    import numpy as np

    from leadreview.analysis.run_batch import run_scenario

    folder = None if placement.folder is None else Path(placement.folder)
    gallery, built = None, placement.folder is None or not placement.shared
    if placement.kept_in_worker:
        from leadreview.analysis.worker_gallery import kept_gallery

        gallery, built = kept_gallery(scenario, model)
    run = run_scenario(scenario, seed=seed, model=model, cache_dir=folder, gallery=gallery)
    embeddings = run.world.gallery_embeddings
    mapped = isinstance(embeddings, np.memmap) and not embeddings.flags.writeable
    memory = worker_memory()  # while the gallery is still mapped
    if folder is not None and not placement.shared:
        # This seed's own gallery: no other seed reads it; the disk is freed now.
        (folder / f"gallery-{run.world.gallery.key}.npy").unlink(missing_ok=True)
    return SeedRun(
        seed=seed, batch=run.batch, gallery_mapped=mapped, memory=memory, gallery_built=built
    )


@contextmanager
def gallery_placement(
    scenario: Scenario, workers: int, model: ScoreModel
) -> Iterator[GalleryPlacement]:
    """A temporary folder for the run's memory-mapped galleries when they pay off: the
    one fixed gallery, generated here once (on every core) before any worker starts; or
    large galleries of their own when several workers run at once. Removed afterwards."""
    fixed = scenario.gallery.seed is not None
    if not fixed and (workers <= 1 or scenario.gallery.size < FILE_BACKED_FROM_FACES):
        yield GalleryPlacement()
        return
    with tempfile.TemporaryDirectory(prefix="leadreview-galleries-") as folder:
        if fixed:
            from leadreview.simulation.gallery_build import build_gallery
            from leadreview.simulation.resources import check_gallery_fits

            spec = scenario.gallery
            check_gallery_fits(
                spec.size,
                model.dims,
                Path(folder),
                probes=scenario.probes.count,
                item_bytes=spec.item_bytes,
            )
            assert spec.seed is not None
            # Written and closed: the workers map the file, this process keeps nothing.
            build_gallery(spec, model, spec.seed, cache_dir=Path(folder))
        yield GalleryPlacement(folder=folder, shared=fixed)
