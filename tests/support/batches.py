"""Search batches whose every figure is known, random ones, and batch searches to record."""

import numpy as np

from leadreview.analysis.batch import SearchBatch
from leadreview.domain.lead import Lead
from leadreview.domain.probe import CaptureQuality
from leadreview.workflow.batch import BatchSearch

POLICIES = ["wcso-practice", "rekognition-default", "amazon-police-95", "amazon-documented-99"]


def known_batch() -> SearchBatch:
    """Three searches, six leads each; the WCSO's 96.03 mate is search 0's rank 2."""
    return SearchBatch(
        similarities=np.array(
            [
                [99.5, 96.03, 81.0, 40.0, 10.0, 5.0],  # A, mated: mate at rank 2 (96.03)
                [93.5, 85.0, 79.9, 20.0, 10.0, 1.0],  # B, mated: mate at rank 3 (79.9)
                [99.2, 50.0, 49.0, 48.0, 47.0, 46.0],  # A, not mated
                [60.0, 50.0, 40.0, 30.0, 20.0, 10.0],  # B, mated, mate not returned
            ]
        ),
        is_true_mate=np.array(
            [
                [False, True, False, False, False, False],
                [False, False, True, False, False, False],
                [False] * 6,
                [False] * 6,
            ]
        ),
        probe_groups=np.array(["A", "B", "A", "B"]),
        probe_mated=np.array([True, True, False, True]),
    )


def random_batch(seed: int, m: int = 400, k: int = 6) -> SearchBatch:
    rng = np.random.default_rng(seed)
    sims = -np.sort(-rng.uniform(0, 100, (m, k)), axis=1)
    mated = rng.random(m) < 0.6
    column = rng.integers(0, k + 2, m)  # k and k+1: the mate was not returned
    mate = np.zeros((m, k), dtype=bool)
    rows = np.flatnonzero(mated & (column < k))
    mate[rows, column[rows]] = True
    return SearchBatch(sims, mate, rng.choice(np.array(["x", "y", "z"]), m), mated)


def searches(m: int, k: int) -> list[BatchSearch]:
    return [
        BatchSearch(
            probe_ref=f"congress-{i:03d}",
            quality=CaptureQuality.PORTRAIT,
            leads=[
                Lead(
                    rank=r + 1,
                    similarity=max(0.0, 99.0 - r * 1.7 - (i % 7)),
                    face_id=f"{i:08d}-0000-0000-0000-{r:012d}",
                    external_image_id=f"arrest-{(i * 31 + r) % 25000:05d}",
                )
                for r in range(k)
            ],
        )
        for i in range(m)
    ]
