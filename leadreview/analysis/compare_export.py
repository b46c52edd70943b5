"""A comparison as JSON (the model as it stands) or as long-format CSV rows.

CSV has one row per (policy, reviewer, group, metric): the shape spreadsheet pivots and
pandas `pivot_table` expect. Ratios to the best-off group and shares of a count appear as
their own metrics (`<metric>:ratio_to_best`, `share_of:<count>`).
"""

import csv
import io

from leadreview.analysis.compare_models import Comparison, MetricTable
from leadreview.analysis.intervals import Estimate
from leadreview.analysis.tallies import OVERALL

CSV_COLUMNS = (
    "scenario", "policy", "threshold", "reviewer", "group", "metric",
    "mean", "low", "high", "seeds",
)  # fmt: skip


def comparison_json(comparison: Comparison) -> str:
    return comparison.model_dump_json(indent=2)


def _row(
    base: dict[str, str], group: str, metric: str, est: Estimate
) -> dict[str, str | float | int | None]:
    return {**base, "group": group, "metric": metric, "mean": est.mean, "low": est.low,
            "high": est.high, "seeds": est.n}  # fmt: skip


def _table_rows(
    base: dict[str, str], table: MetricTable
) -> list[dict[str, str | float | int | None]]:
    rows = [_row(base, OVERALL, key, est) for key, est in table.overall.items()]
    for group, metrics in table.by_group.items():
        rows.extend(_row(base, group, key, est) for key, est in metrics.items())
        ratios = table.ratio_to_best.get(group, {})
        rows.extend(_row(base, group, f"{k}:ratio_to_best", e) for k, e in ratios.items())
        shares = table.shares.get(group, {})
        rows.extend(_row(base, group, f"share_of:{k}", e) for k, e in shares.items())
    return rows


def comparison_records(comparison: Comparison) -> list[dict[str, str | float | int | None]]:
    rows: list[dict[str, str | float | int | None]] = []
    for policy in comparison.policies:
        threshold = "" if policy.threshold is None else f"{policy.threshold:g}"
        base = {"scenario": comparison.scenario, "policy": policy.policy,
                "threshold": threshold, "reviewer": ""}  # fmt: skip
        rows.extend(
            _row(base, g, "share_of:searches", e) for g, e in comparison.probe_share.items()
        )
        rows.extend(_table_rows(base, policy.metrics))
        for reviewer in policy.reviewers:
            rows.extend(_table_rows({**base, "reviewer": reviewer.profile}, reviewer.metrics))
    return rows


def comparison_csv(comparison: Comparison) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(comparison_records(comparison))
    return buffer.getvalue()
