"""Seeds searched in parallel processes give exactly the batches of a serial run."""

import os
from dataclasses import fields

import numpy as np

from leadreview.analysis.batch_source import ScenarioRequest, prepare, scenario_batches


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
