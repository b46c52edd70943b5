"""From per-seed counts to metrics overall and per group, disparities and shares.

Rates are pooled over seeds and probes (`pooled`), each group is set against the
reference the analyst chose (`disparity`); plain counts are means over seeds with a
t-interval, since a count is a total per world, not a rate.
"""

import numpy as np
import numpy.typing as npt

from leadreview.analysis.compare_models import MetricTable
from leadreview.analysis.disparity import Disparity, DisparityRules, disparity
from leadreview.analysis.intervals import Estimate, estimate
from leadreview.analysis.metric_specs import MetricInfo
from leadreview.analysis.pooled import PooledRate, pooled_rate
from leadreview.analysis.tallies import OVERALL

Stack = dict[str, npt.NDArray[np.float64]]  # tally -> (seeds, groups + 1), overall last


def divide(num: npt.NDArray[np.float64], den: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """num / den, NaN where the denominator is zero (the metric is undefined there)."""
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


def rate_at(stack: Stack, spec: MetricInfo, column: int) -> PooledRate:
    """One column's rate (a group, or -1 for all searches) pooled over seeds."""
    assert spec.denominator is not None
    squares = stack.get(f"{spec.numerator}:sq")
    return pooled_rate(
        stack[spec.numerator][:, column],
        stack[spec.denominator][:, column],
        None if spec.bounded or squares is None else squares[:, column],
        bounded=spec.bounded,
    )


def pooled_searches(stack: Stack, groups: list[str]) -> dict[str, float]:
    totals = stack["searches"].sum(axis=0)
    return {group: float(totals[j]) for j, group in enumerate(groups)}


def build_table(
    stack: Stack,
    specs: list[MetricInfo],
    groups: list[str],
    shared: tuple[str, ...],
    reference: str | None,
    rules: DisparityRules,
) -> MetricTable:
    overall: dict[str, Estimate] = {}
    by_group: dict[str, dict[str, Estimate]] = {g: {} for g in groups}
    disparities: dict[str, dict[str, Disparity]] = {g: {} for g in groups}
    ref_column = (
        None if reference is None else -1 if reference == OVERALL else groups.index(reference)
    )
    for spec in specs:
        if not spec.is_rate:
            overall[spec.key] = estimate(stack[spec.numerator][:, -1])
            for j, group in enumerate(groups):
                by_group[group][spec.key] = estimate(stack[spec.numerator][:, j])
            continue
        overall[spec.key] = rate_at(stack, spec, -1).estimate()
        ref_rate = None if ref_column is None else rate_at(stack, spec, ref_column)
        for j, group in enumerate(groups):
            rate = rate_at(stack, spec, j)
            by_group[group][spec.key] = rate.estimate()
            disparities[group][spec.key] = disparity(
                rate, ref_rate, is_reference=group == reference, better=spec.better, rules=rules
            )
    shares: dict[str, dict[str, Estimate]] = {g: {} for g in groups}
    for name in shared:
        counts = stack[name]
        for j, group in enumerate(groups):
            shares[group][name] = pooled_rate(counts[:, j], counts[:, -1]).estimate()
    return MetricTable(
        overall=overall,
        by_group=by_group,
        reference=reference,
        disparities=disparities,
        shares=shares,
    )


def probe_shares(stack: Stack, groups: list[str]) -> dict[str, Estimate]:
    searches = stack["searches"]
    return {
        group: pooled_rate(searches[:, j], searches[:, -1]).estimate()
        for j, group in enumerate(groups)
    }
