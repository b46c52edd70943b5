"""From per-seed counts to metrics overall and per group, ratios and shares, with intervals."""

import numpy as np
import numpy.typing as npt

from leadreview.analysis.compare_models import MetricTable
from leadreview.analysis.intervals import Estimate, estimate
from leadreview.analysis.metric_specs import MetricInfo

Stack = dict[str, npt.NDArray[np.float64]]  # tally -> (seeds, groups + 1), overall last


def divide(num: npt.NDArray[np.float64], den: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """num / den, NaN where the denominator is zero (the metric is undefined there)."""
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


def finite_means(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Column means over the finite entries only (NaN where a column has none)."""
    finite = np.isfinite(values)
    sums = np.where(finite, values, 0.0).sum(axis=0)
    return divide(sums, finite.sum(axis=0).astype(np.float64))


def metric_values(stack: Stack, spec: MetricInfo) -> npt.NDArray[np.float64]:
    num = stack[spec.numerator]
    return num.copy() if spec.denominator is None else divide(num, stack[spec.denominator])


def _ratio(values: npt.NDArray[np.float64], better: str) -> npt.NDArray[np.float64]:
    """Each group's value over the best-off group's, along the last axis.

    0 over 0 is 1 (the groups are alike); a positive value over a best of 0 is infinite.
    """
    with np.errstate(all="ignore"):
        finite = np.where(np.isfinite(values), values, np.nan)
        all_nan = np.all(np.isnan(finite), axis=-1, keepdims=True)
        safe = np.where(all_nan, 0.0, finite)
        best = (
            np.nanmin(safe, -1, keepdims=True)
            if better == "lower"
            else np.nanmax(safe, -1, keepdims=True)
        )
        ratio = values / best
        ratio = np.where((best == 0) & (values == 0), 1.0, ratio)
        return np.where(all_nan, np.nan, ratio)


def _ratio_estimates(
    values: npt.NDArray[np.float64], better: str, groups: list[str]
) -> dict[str, Estimate]:
    """Per-seed ratios with a t-interval when every seed has one; else the ratio of means.

    A group with none of a harm where another group has some makes a per-seed ratio
    infinite; the means over seeds are then the steadier comparison.
    """
    per_seed = _ratio(values, better)
    means = finite_means(values)
    pooled = _ratio(means, better)
    out: dict[str, Estimate] = {}
    for j, group in enumerate(groups):
        column = per_seed[:, j]
        if np.isfinite(column).all():
            out[group] = estimate(column)
        elif np.isfinite(pooled[j]):
            out[group] = Estimate(mean=float(pooled[j]), n=int(values.shape[0]))
        else:
            out[group] = Estimate(mean=None, n=0)
    return out


def _best_group(values: npt.NDArray[np.float64], better: str, groups: list[str]) -> str | None:
    means = finite_means(values)
    if np.isnan(means).all():
        return None
    pick = np.nanargmin(means) if better == "lower" else np.nanargmax(means)
    return groups[int(pick)]


def build_table(
    stack: Stack, specs: list[MetricInfo], groups: list[str], shared: tuple[str, ...]
) -> MetricTable:
    overall: dict[str, Estimate] = {}
    by_group: dict[str, dict[str, Estimate]] = {g: {} for g in groups}
    ratios: dict[str, dict[str, Estimate]] = {g: {} for g in groups}
    best: dict[str, str | None] = {}
    for spec in specs:
        values = metric_values(stack, spec)
        upper = 1.0 if spec.unit == "percent" else None
        overall[spec.key] = estimate(values[:, -1], upper=upper)
        for j, group in enumerate(groups):
            by_group[group][spec.key] = estimate(values[:, j], upper=upper)
        if spec.is_rate and groups:
            group_values = values[:, :-1]
            best[spec.key] = _best_group(group_values, spec.better, groups)
            for group, ratio in _ratio_estimates(group_values, spec.better, groups).items():
                ratios[group][spec.key] = ratio
    shares: dict[str, dict[str, Estimate]] = {g: {} for g in groups}
    for name in shared:
        counts = stack[name]
        share = divide(counts[:, :-1], counts[:, -1:])
        for j, group in enumerate(groups):
            shares[group][name] = estimate(share[:, j], upper=1.0)
    return MetricTable(
        overall=overall, by_group=by_group, ratio_to_best=ratios, best_group=best, shares=shares
    )


def probe_shares(stack: Stack, groups: list[str]) -> dict[str, Estimate]:
    searches = stack["searches"]
    share = divide(searches[:, :-1], searches[:, -1:])
    return {group: estimate(share[:, j], upper=1.0) for j, group in enumerate(groups)}
