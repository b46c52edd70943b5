"""Sweep a threshold from 0 to 100 over the same searches: false leads against missed mates.

For every threshold t, per group and overall:
- false-lead rate: leads of another person scoring at least t, per search;
- mate-miss rate: mated searches whose true mate is not shown at t (below t, or not
  returned at all): NIST's false negative identification rate, in effect.
Both come from sorted scores and `searchsorted`, so a sweep of 101 thresholds costs about
as much as one sort of the batch's scores.
"""

from collections.abc import Callable, Iterable, Sequence

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

from leadreview.analysis.batch import SearchBatch
from leadreview.analysis.intervals import INTERVAL_METHOD, Estimate, estimate
from leadreview.analysis.metric_table import divide
from leadreview.analysis.tallies import OVERALL, GroupIndex


class SweepCurve(BaseModel):
    model_config = ConfigDict(frozen=True)

    group: str
    false_lead_rate: list[Estimate]  # one per threshold
    mate_miss_rate: list[Estimate]


class Sweep(BaseModel):
    model_config = ConfigDict(frozen=True)

    scenario: str
    seeds: list[int]
    interval_method: str
    thresholds: list[float]
    max_candidates: int | None
    groups: list[str]
    curves: list[SweepCurve]  # the overall curve first, then one per group
    marks: dict[str, float]  # policy name -> threshold, drawn on the charts
    sources: list[str]

    def curve(self, group: str) -> SweepCurve:
        return next(c for c in self.curves if c.group == group)


def default_thresholds(step: float = 1.0) -> list[float]:
    count = round(100.0 / step)
    return [round(i * step, 6) for i in range(count + 1)]


def _at_least(
    sorted_values: npt.NDArray[np.float64], thresholds: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """How many values are >= each threshold."""
    below = np.searchsorted(sorted_values, thresholds, side="left")
    return (sorted_values.size - below).astype(np.float64)


def sweep_seed(
    batch: SearchBatch,
    thresholds: npt.NDArray[np.float64],
    groups: list[str],
    max_candidates: int | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(false-lead rate, mate-miss rate), each (thresholds, groups + 1), overall last."""
    sims = batch.similarities[:, :max_candidates]
    mate = batch.is_true_mate[:, :max_candidates]
    labels = batch.probe_groups.astype(str)
    false_rate = np.full((thresholds.size, len(groups) + 1), np.nan)
    miss_rate = np.full_like(false_rate, np.nan)
    # A search's mate score, or -inf where the mate was not returned (missed at every t).
    mate_score = np.where(mate, sims, -np.inf).max(axis=1, initial=-np.inf)
    selections = [labels == g for g in groups] + [np.ones(labels.shape, dtype=bool)]
    for j, rows in enumerate(selections):
        searches = float(rows.sum())
        impostors = np.sort(sims[rows][~mate[rows]])
        false_rate[:, j] = divide(_at_least(impostors, thresholds), np.array(searches))
        mated = rows & batch.probe_mated
        mate_scores = np.sort(mate_score[mated])
        missed = mate_scores.size - _at_least(mate_scores, thresholds)
        miss_rate[:, j] = divide(missed, np.array(float(mate_scores.size)))
    return false_rate, miss_rate


def sweep(
    batches: Iterable[tuple[int, SearchBatch]],
    *,
    thresholds: Sequence[float] | None = None,
    max_candidates: int | None = None,
    scenario: str = "",
    marks: dict[str, float] | None = None,
    sources: Sequence[str] = (),
    on_seed_done: Callable[[int], None] | None = None,
) -> Sweep:
    grid = np.asarray(thresholds if thresholds is not None else default_thresholds(), float)
    seeds: list[int] = []
    per_seed: list[tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], list[str]]] = []
    for seed, batch in batches:
        seeds.append(seed)
        labels = GroupIndex.of(batch).labels
        # Only the counts are kept: memory does not grow with seeds.
        per_seed.append((*sweep_seed(batch, grid, labels, max_candidates), labels))
        if on_seed_done is not None:
            on_seed_done(seed)
    if not seeds:
        raise ValueError("a sweep needs at least one seed")
    groups = sorted({label for _, _, labels in per_seed for label in labels})
    false_stack = np.stack([_relay(f, labels, groups) for f, _, labels in per_seed])
    miss_stack = np.stack([_relay(m, labels, groups) for _, m, labels in per_seed])
    curves = [
        SweepCurve(
            group=name,
            false_lead_rate=[estimate(false_stack[:, i, j]) for i in range(grid.size)],
            mate_miss_rate=[estimate(miss_stack[:, i, j], upper=1.0) for i in range(grid.size)],
        )
        for j, name in [(len(groups), OVERALL), *enumerate(groups)]
    ]
    return Sweep(
        scenario=scenario,
        seeds=seeds,
        interval_method=INTERVAL_METHOD,
        thresholds=[float(t) for t in grid],
        max_candidates=max_candidates,
        groups=groups,
        curves=curves,
        marks=dict(marks or {}),
        sources=list(sources),
    )


def _relay(
    values: npt.NDArray[np.float64], labels: list[str], groups: list[str]
) -> npt.NDArray[np.float64]:
    """(thresholds, labels + 1) laid over (thresholds, groups + 1); absent groups are NaN."""
    out = np.full((values.shape[0], len(groups) + 1), np.nan)
    for j, label in enumerate(labels):
        out[:, groups.index(label)] = values[:, j]
    out[:, -1] = values[:, -1]
    return out
