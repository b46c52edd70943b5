"""The result of a batch of searches, in arrays: the input every comparison works on.

Searches are run once, with no threshold and the largest candidate list any policy
could want; each policy is then applied to the same ranked leads. That is what makes
the cost of comparing policies grow with the number of policies, not with their
product with the gallery.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class SearchBatch:
    """Ranked leads of m searches, k leads each (column j is rank j+1)."""

    similarities: npt.NDArray[np.float64]  # (m, k), descending along each row
    is_true_mate: npt.NDArray[np.bool_]  # (m, k): the lead is the probe's own identity
    probe_groups: npt.NDArray[np.str_]  # (m,): the probe subject's demographic group
    probe_mated: npt.NDArray[np.bool_]  # (m,): the probe's identity is in the gallery
    # Faces in the gallery searched: every search is that many comparisons (for FMR).
    gallery_size: int | None = None

    def __post_init__(self) -> None:
        m = self.similarities.shape[0]
        if self.is_true_mate.shape != self.similarities.shape:
            raise ValueError("is_true_mate must have the shape of similarities")
        if self.probe_groups.shape != (m,) or self.probe_mated.shape != (m,):
            raise ValueError("probe_groups and probe_mated need one entry per search")

    @property
    def searches(self) -> int:
        return int(self.similarities.shape[0])

    def groups(self) -> list[str]:
        return sorted({str(g) for g in self.probe_groups})
