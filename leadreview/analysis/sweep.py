"""Sweep a threshold from 0 to 100 over the same searches: the figures regulators use.

For every threshold T, per group and overall, pooled over seeds and probes with 95%
intervals (`pooled`):
- false leads per search: leads of another person scoring at least T;
- FMR(T), the false match rate: the same count over every comparison with the gallery
  (false leads per search / gallery size). Only impostors in the returned candidate
  list are seen, so it is exact where T is above the highest score that fell off the
  end of any list (`fmr_exact_from`) and a lower bound below;
- FPIR(T): non-mated searches with at least one candidate at or above T;
- FNIR(T) (`mate_miss_rate`): mated searches whose true mate is not shown at T (below T,
  or not returned at all);
- FNIR by rank: mated searches whose mate is not among the top R candidates, with no
  threshold, for R = 1 .. the list length.
Counts come from sorted scores and one comparison per threshold, no loop over searches.
"""

from collections.abc import Callable, Iterable, Sequence

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

from leadreview.analysis.batch import SearchBatch
from leadreview.analysis.intervals import Estimate
from leadreview.analysis.pooled import POOLED_METHOD, pooled_rate
from leadreview.analysis.tallies import OVERALL, GroupIndex

Counts = dict[str, npt.NDArray[np.float64]]  # name -> (thresholds or ranks, groups + 1)


class SweepCurve(BaseModel):
    model_config = ConfigDict(frozen=True)

    group: str
    false_lead_rate: list[Estimate]  # one per threshold
    mate_miss_rate: list[Estimate]  # FNIR(T)
    fpir: list[Estimate] = []
    fnir_by_rank: list[Estimate] = []  # one per rank 1..len(ranks)


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
    gallery_size: int | None = None
    fmr_exact_from: float | None = None
    ranks: list[int] = []
    rank_marks: dict[str, int] = {}  # policy name -> candidate-list length

    def curve(self, group: str) -> SweepCurve:
        return next(c for c in self.curves if c.group == group)

    def fmr(self, estimate: Estimate) -> Estimate:
        """A false-leads-per-search estimate as a false match rate (per comparison)."""
        if not self.gallery_size or estimate.mean is None:
            return Estimate(mean=None, n=0)
        scale = 1.0 / self.gallery_size
        return Estimate(
            mean=estimate.mean * scale,
            low=None if estimate.low is None else estimate.low * scale,
            high=None if estimate.high is None else estimate.high * scale,
            n=estimate.n,
            units=estimate.units,
        )


def default_thresholds(step: float = 1.0) -> list[float]:
    count = round(100.0 / step)
    return [round(i * step, 6) for i in range(count + 1)]


def _group_sums(
    per_search: npt.NDArray[np.float64], onehot: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """(searches, x) per-search values -> (x, groups + 1) sums, overall last."""
    by_group = per_search.T @ onehot
    return np.column_stack([by_group, per_search.sum(axis=0)])


def sweep_seed(
    batch: SearchBatch,
    thresholds: npt.NDArray[np.float64],
    groups: list[str],
    max_candidates: int | None = None,
) -> Counts:
    """Counts per threshold (and per rank) and group for one seed, overall last."""
    sims = batch.similarities[:, :max_candidates]
    mate = batch.is_true_mate[:, :max_candidates]
    labels = batch.probe_groups.astype(str)
    onehot = np.column_stack([labels == g for g in groups]).astype(np.float64)
    onehot = onehot.reshape(labels.size, len(groups))
    impostor = np.where(mate, -np.inf, sims)
    # Leads of another person at or above each threshold, per search: (m, thresholds).
    false_leads = np.stack([(impostor >= t).sum(axis=1) for t in thresholds], axis=1)
    false_leads = false_leads.astype(np.float64)
    top_impostor = impostor.max(axis=1, initial=-np.inf)
    nonmated = ~batch.probe_mated
    flagged = (top_impostor[:, None] >= thresholds[None, :]) & nonmated[:, None]
    # A search's mate score, or -inf where the mate was not returned (missed at every T).
    mate_score = np.where(mate, sims, -np.inf).max(axis=1, initial=-np.inf)
    mated = batch.probe_mated
    missed = (mate_score[:, None] < thresholds[None, :]) & mated[:, None]
    ranks = np.arange(1, sims.shape[1] + 1)
    mate_rank = np.where(mate.any(axis=1), mate.argmax(axis=1) + 1, np.iinfo(np.int64).max)
    missed_at_rank = (mate_rank[:, None] > ranks[None, :]) & mated[:, None]
    ones = np.ones((labels.size, 1))
    return {
        "false_leads": _group_sums(false_leads, onehot),
        "false_leads:sq": _group_sums(false_leads**2, onehot),
        "searches": _group_sums(ones, onehot),
        "flagged": _group_sums(flagged.astype(np.float64), onehot),
        "nonmated": _group_sums(nonmated[:, None].astype(np.float64), onehot),
        "missed": _group_sums(missed.astype(np.float64), onehot),
        "mated": _group_sums(mated[:, None].astype(np.float64), onehot),
        "missed_at_rank": _group_sums(missed_at_rank.astype(np.float64), onehot),
    }


def _relay(counts: Counts, labels: list[str], groups: list[str]) -> Counts:
    """Counts over this seed's groups laid over all seeds' groups (absent groups: 0)."""
    out: Counts = {}
    for name, values in counts.items():
        spread = np.zeros((values.shape[0], len(groups) + 1))
        for j, label in enumerate(labels):
            spread[:, groups.index(label)] = values[:, j]
        spread[:, -1] = values[:, -1]
        out[name] = spread
    return out


def _curve(stack: Counts, j: int, name: str) -> SweepCurve:
    def rates(num: str, den: str, bounded: bool = True) -> list[Estimate]:
        squares = stack.get(f"{num}:sq")
        den_values = stack[den]
        return [
            pooled_rate(
                stack[num][:, i, j],
                den_values[:, min(i, den_values.shape[1] - 1), j],
                None if bounded or squares is None else squares[:, i, j],
                bounded=bounded,
            ).estimate()
            for i in range(stack[num].shape[1])
        ]

    return SweepCurve(
        group=name,
        false_lead_rate=rates("false_leads", "searches", bounded=False),
        mate_miss_rate=rates("missed", "mated"),
        fpir=rates("flagged", "nonmated"),
        fnir_by_rank=rates("missed_at_rank", "mated"),
    )


def sweep(
    batches: Iterable[tuple[int, SearchBatch]],
    *,
    thresholds: Sequence[float] | None = None,
    max_candidates: int | None = None,
    scenario: str = "",
    marks: dict[str, float] | None = None,
    rank_marks: dict[str, int] | None = None,
    sources: Sequence[str] = (),
    on_seed_done: Callable[[int], None] | None = None,
) -> Sweep:
    grid = np.asarray(thresholds if thresholds is not None else default_thresholds(), float)
    seeds: list[int] = []
    per_seed: list[tuple[Counts, list[str]]] = []
    gallery_sizes: set[int] = set()
    fell_off = -np.inf  # the highest score any candidate list cut off
    width = 0
    for seed, batch in batches:
        seeds.append(seed)
        labels = GroupIndex.of(batch).labels
        # Only the counts are kept: memory does not grow with seeds.
        per_seed.append((sweep_seed(batch, grid, labels, max_candidates), labels))
        kept = batch.similarities[:, :max_candidates]
        width = max(width, kept.shape[1])
        if batch.gallery_size is not None:
            gallery_sizes.add(batch.gallery_size)
            if kept.shape[1] < batch.gallery_size and batch.searches:
                fell_off = max(fell_off, float(kept[:, -1].max()))
        if on_seed_done is not None:
            on_seed_done(seed)
    if not seeds:
        raise ValueError("a sweep needs at least one seed")
    groups = sorted({label for _, labels in per_seed for label in labels})
    laid = [_relay(counts, labels, groups) for counts, labels in per_seed]
    stack = {name: np.stack([c[name] for c in laid]) for name in laid[0]}
    order = [(len(groups), OVERALL), *enumerate(groups)]
    # A gallery size is known only when every seed's is the same (FMR's denominator).
    gallery = gallery_sizes.pop() if len(gallery_sizes) == 1 else None
    return Sweep(
        scenario=scenario,
        seeds=seeds,
        interval_method=POOLED_METHOD,
        thresholds=[float(t) for t in grid],
        max_candidates=max_candidates,
        groups=groups,
        curves=[_curve(stack, j, name) for j, name in order],
        marks=dict(marks or {}),
        sources=list(sources),
        gallery_size=gallery,
        fmr_exact_from=None if gallery is None else max(fell_off, 0.0),
        ranks=list(range(1, width + 1)),
        rank_marks=dict(rank_marks or {}),
    )
