"""A comparison as JSON (the model as it stands) or as long-format CSV rows.

CSV has one row per (policy, reviewer, group, metric): the shape spreadsheet pivots and
pandas `pivot_table` expect. Each group's ratio to and difference from the reference
group, and its shares of a count, appear as their own metrics
(`<metric>:ratio_to_reference`, `<metric>:difference_from_reference`,
`share_of:<count>`); `reference` names the reference, `flag` says `reference`,
`too-few`, `no-reference`, `worse`/`better` (the interval excludes parity) or nothing.
"""

import csv
import io

from leadreview.analysis.compare_models import Comparison, MetricTable
from leadreview.analysis.disparity import Disparity
from leadreview.analysis.intervals import Estimate
from leadreview.analysis.tallies import OVERALL

CSV_COLUMNS = (
    "scenario", "policy", "threshold", "reviewer", "group", "metric",
    "mean", "low", "high", "seeds", "units", "reference", "flag",
)  # fmt: skip


def comparison_json(comparison: Comparison) -> str:
    return comparison.model_dump_json(indent=2)


def _row(
    base: dict[str, str], group: str, metric: str, est: Estimate, flag: str = ""
) -> dict[str, str | float | int | None]:
    return {**base, "group": group, "metric": metric, "mean": est.mean, "low": est.low,
            "high": est.high, "seeds": est.n, "units": est.units, "flag": flag}  # fmt: skip


def _flag(item: Disparity) -> str:
    if item.status != "compared":
        return item.status
    return item.direction or ""


def _table_rows(
    base: dict[str, str], table: MetricTable
) -> list[dict[str, str | float | int | None]]:
    base = {**base, "reference": table.reference or ""}
    rows = [_row(base, OVERALL, key, est) for key, est in table.overall.items()]
    for group, metrics in table.by_group.items():
        disparities = table.disparities.get(group, {})
        for key, est in metrics.items():
            item = disparities.get(key)
            rows.append(_row(base, group, key, est, "" if item is None else _flag(item)))
        for key, item in disparities.items():
            if item.ratio is not None:
                rows.append(_row(base, group, f"{key}:ratio_to_reference", item.ratio, _flag(item)))
            if item.difference is not None:
                rows.append(
                    _row(
                        base,
                        group,
                        f"{key}:difference_from_reference",
                        item.difference,
                        _flag(item),
                    )
                )
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
