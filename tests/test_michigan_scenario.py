"""The Michigan-scale scenario, scaled down: a float16 gallery searched exactly."""

from pathlib import Path

import numpy as np

from leadreview.analysis.run_batch import run_scenario
from leadreview.analysis.scenario_overrides import with_overrides
from leadreview.simulation.scenario import load_scenario


def test_michigan_scenario_runs_on_a_float16_gallery(tmp_path: Path) -> None:
    scenario = load_scenario("michigan-williams")
    assert scenario.gallery.size == 49_750_105 and scenario.gallery.storage == "float16"
    assert any("49,750,105" in source for source in scenario.sources)
    small = with_overrides(scenario, gallery_size=5_000)
    run = run_scenario(small, cache_dir=tmp_path)
    gallery = run.world.gallery.embeddings
    assert gallery.dtype == np.float16 and isinstance(gallery, np.memmap)
    assert [p.suffix for p in tmp_path.iterdir()] == [".npy"]
    # One probe, never mated: every lead is a stranger, ranked exactly over the stored
    # float16 vectors.
    positions = run.result.positions[0, : int(run.result.counts[0])]
    assert len(positions) == scenario.max_faces and not run.batch.is_true_mate.any()
    probe = run.world.probe_embeddings[0].astype(np.float64)
    cosines = gallery.astype(np.float64) @ (probe / np.linalg.norm(probe))
    assert positions.tolist() == np.argsort(-cosines, kind="stable")[: len(positions)].tolist()
    # Leads' ids are the gallery's own, computed for these rows only.
    for position, face_id in zip(positions, run.result.face_ids[0], strict=False):
        assert run.world.gallery.index_of(str(face_id)) == position
