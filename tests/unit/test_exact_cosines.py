"""The cosines an exercise's sealed truth is built from do not depend on the machine:
the truth's digest is in the audit log, and a BLAS product's last bits differ between
CPU kernels (OpenBLAS picks one per CPU; OPENBLAS_CORETYPE forces another)."""

import subprocess
import sys

import numpy as np

from leadreview.exercise.probes import exact_cosines

SNIPPET = """
import hashlib, numpy as np
from leadreview.exercise.probes import exact_cosines
rng = np.random.default_rng(7)
rows = rng.standard_normal((20000, 128), dtype=np.float32)
rows /= np.linalg.norm(rows, axis=1, keepdims=True)
probe = rows[3] + 0.1 * rng.standard_normal(128, dtype=np.float32)
print(hashlib.sha256(exact_cosines(rows, probe).tobytes()).hexdigest())
print(hashlib.sha256((rows @ probe.astype(np.float64)).tobytes()).hexdigest())
"""


def _digests(core_type: str) -> list[str]:
    env = {"OPENBLAS_CORETYPE": core_type} if core_type else {}
    done = subprocess.run(
        [sys.executable, "-c", SNIPPET], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.split()


def test_the_same_cosines_whichever_blas_kernel_runs() -> None:
    exact = {_digests(core)[0] for core in ("", "Haswell", "Sandybridge", "Prescott")}
    assert len(exact) == 1


def test_they_are_the_float64_sums_the_search_rescores_with() -> None:
    rng = np.random.default_rng(1)
    rows = rng.standard_normal((10_000, 16), dtype=np.float32)
    probe = rng.standard_normal(16, dtype=np.float32)
    expected = (rows.astype(np.float64) * probe.astype(np.float64)).sum(axis=1)
    assert np.array_equal(exact_cosines(rows, probe), expected)
    halves = rows.astype(np.float16)
    expected16 = (halves.astype(np.float64) * probe.astype(np.float64)).sum(axis=1)
    assert np.array_equal(exact_cosines(halves, probe), expected16)
