"""Seeds searched in parallel processes give exactly the batches of a serial run."""

import os
import tempfile
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pytest

from leadreview.analysis.batch import SearchBatch
from leadreview.analysis.batch_source import (
    ScenarioRequest,
    prepare,
    scenario_batches,
    seed_runs,
)


def test_parallel_seeds_equal_serial_seeds_in_order() -> None:
    prepared = prepare(ScenarioRequest("aclu-2018", seeds=3, gallery_size=3_000, probes=25))
    environment = dict(os.environ)
    serial = list(scenario_batches(prepared, workers=1))
    parallel = list(scenario_batches(prepared, workers=2))
    assert [seed for seed, _ in parallel] == [seed for seed, _ in serial] == prepared.seeds
    for (_, one), (_, other) in zip(serial, parallel, strict=True):
        for field in fields(one):
            mine, theirs = getattr(one, field.name), getattr(other, field.name)
            if isinstance(mine, np.ndarray):
                nan_ok = mine.dtype.kind == "f"
                assert np.array_equal(mine, theirs, equal_nan=nan_ok), field.name
            else:
                assert mine == theirs, field.name
    # Different seeds are different worlds: the comparison above is not vacuous.
    assert not np.array_equal(serial[0][1].similarities, serial[1][1].similarities)
    # The workers' BLAS settings stay in the workers.
    assert dict(os.environ) == environment


def _assert_same_batches(
    one: list[tuple[int, SearchBatch]], other: list[tuple[int, SearchBatch]]
) -> None:
    assert [seed for seed, _ in one] == [seed for seed, _ in other]
    for (_, mine), (_, theirs) in zip(one, other, strict=True):
        for field in fields(mine):
            a, b = getattr(mine, field.name), getattr(theirs, field.name)
            if isinstance(a, np.ndarray):
                assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), field.name
            else:
                assert a == b, field.name


def test_seeds_of_a_fixed_gallery_map_one_file_in_every_worker() -> None:
    request = ScenarioRequest("aclu-2018", seeds=3, gallery_size=3_000, probes=25, gallery_seed=7)
    prepared = prepare(request)
    runs = list(seed_runs(prepared, workers=2))
    # Each worker process searched a read-only memory map of the one generated file,
    # not a gallery of its own: its pages are shared between the workers.
    assert [run.gallery_mapped for run in runs] == [True, True, True]
    assert all(run.memory.file_kib for run in runs)
    parallel = [(run.seed, run.batch) for run in runs]
    serial = list(scenario_batches(prepared, workers=1))
    _assert_same_batches(serial, parallel)
    # Probes differ by seed over the one gallery.
    assert not np.array_equal(serial[0][1].similarities, serial[1][1].similarities)
    # A gallery of its own per seed is still built by the worker itself, in its memory
    # (small galleries: writing and mapping a file would cost more than it saves).
    own = list(seed_runs(prepare(replace(request, gallery_seed=None)), workers=2))
    assert [run.gallery_mapped for run in own] == [False, False, False]


def test_large_galleries_of_their_own_are_mapped_from_files_removed_after(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from leadreview.analysis import seed_runs as module

    # The threshold is about memory, not correctness: lowered so a small gallery takes
    # the path a 2-million-face one takes.
    monkeypatch.setattr(module, "FILE_BACKED_FROM_FACES", 1_000)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the files go
    prepared = prepare(ScenarioRequest("aclu-2018", seeds=2, gallery_size=3_000, probes=25))
    runs = list(seed_runs(prepared, workers=2))
    assert [run.gallery_mapped for run in runs] == [True, True]
    _assert_same_batches([(r.seed, r.batch) for r in runs], list(scenario_batches(prepared, 1)))
    assert list(tmp_path.iterdir()) == []  # every file and the folder removed
