"""Raw counts of one batch under one policy (and one reviewer), summed per group.

Every comparison metric is a ratio of two of these counts, so a batch is reduced to a
handful of numbers per group once, and metrics, ratios between groups and shares are
computed from the counts afterwards. Counts come from per-search sums followed by one
`bincount` over the groups: no Python loop over searches or leads.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from leadreview.analysis.batch import SearchBatch
from leadreview.simulation.reviewer_model import POSSIBLE_LEAD

OVERALL = "(all)"  # cannot be a group label (labels are lower-case words)

Counts = dict[str, npt.NDArray[np.float64]]  # tally name -> (groups + 1,), overall last


@dataclass(frozen=True)
class GroupIndex:
    """The batch's groups in sorted order and each search's position among them."""

    labels: list[str]
    codes: npt.NDArray[np.intp]  # (m,)

    @classmethod
    def of(cls, batch: SearchBatch) -> "GroupIndex":
        labels, codes = np.unique(batch.probe_groups.astype(str), return_inverse=True)
        return cls([str(x) for x in labels], codes.astype(np.intp))

    def sums(self, per_search: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Per-group sums of a per-search quantity, with the overall sum appended."""
        weights = np.asarray(per_search, dtype=np.float64)
        by_group = np.bincount(self.codes, weights=weights, minlength=len(self.labels))
        return np.append(by_group, weights.sum())


def base_counts(batch: SearchBatch, index: GroupIndex) -> Counts:
    """Counts that do not depend on the policy."""
    mate_returned = batch.is_true_mate.any(axis=1) & batch.probe_mated
    return {
        "searches": index.sums(np.ones(batch.searches)),
        "mated": index.sums(batch.probe_mated),
        "mate_returned": index.sums(mate_returned),
    }


def policy_counts(batch: SearchBatch, index: GroupIndex, shown: npt.NDArray[np.bool_]) -> Counts:
    false_shown = shown & ~batch.is_true_mate
    leads, false_leads = shown.sum(axis=1), false_shown.sum(axis=1)
    mate_shown = (shown & batch.is_true_mate).any(axis=1) & batch.probe_mated
    mate_returned = batch.is_true_mate.any(axis=1) & batch.probe_mated
    return {
        "leads_shown": index.sums(leads),
        "false_leads_shown": index.sums(false_leads),
        # Sums of squares: the spread of a count per search, for its interval.
        "leads_shown:sq": index.sums(leads.astype(np.float64) ** 2),
        "false_leads_shown:sq": index.sums(false_leads.astype(np.float64) ** 2),
        "probes_with_false_lead": index.sums(false_shown.any(axis=1)),
        "mate_shown": index.sums(mate_shown),
        # The mate the no-threshold search returned but this policy hid (the 96.03 lead
        # under a 99 threshold).
        "mates_lost": index.sums(mate_returned & ~mate_shown),
    }


def reviewer_counts(
    batch: SearchBatch, index: GroupIndex, decisions: npt.NDArray[np.int8]
) -> Counts:
    forwarded = decisions == POSSIBLE_LEAD
    wrongful = forwarded & ~batch.is_true_mate
    per_search = forwarded.sum(axis=1).astype(np.float64)
    wrong_per_search = wrongful.sum(axis=1).astype(np.float64)
    return {
        "leads_forwarded": index.sums(per_search),
        "wrongful_forwards": index.sums(wrong_per_search),
        "leads_forwarded:sq": index.sums(per_search**2),
        "wrongful_forwards:sq": index.sums(wrong_per_search**2),
        "searches_with_wrongful_forward": index.sums(wrongful.any(axis=1)),
        "mate_forwarded": index.sums((forwarded & batch.is_true_mate).any(axis=1)),
    }


def relabel(counts: Counts, labels: list[str], onto: list[str]) -> Counts:
    """Counts of one seed laid out over the groups of all seeds (absent groups count 0)."""
    position = {label: i for i, label in enumerate(labels)}
    out: Counts = {}
    for name, values in counts.items():
        spread = np.zeros(len(onto) + 1)
        for j, label in enumerate(onto):
            if label in position:
                spread[j] = values[position[label]]
        spread[-1] = values[-1]
        out[name] = spread
    return out
