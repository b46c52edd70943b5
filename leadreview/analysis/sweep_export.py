"""A sweep as JSON, long-format CSV (one row per threshold and group) or a rich table."""

import csv
import io

from rich.table import Table

from leadreview.analysis.formatting import figure
from leadreview.analysis.sweep import Sweep

CSV_COLUMNS = (
    "scenario",
    "threshold",
    "group",
    "false_lead_rate",
    "false_lead_low",
    "false_lead_high",
    "mate_miss_rate",
    "mate_miss_low",
    "mate_miss_high",
    "seeds",
    "fmr",
    "fmr_low",
    "fmr_high",
    "fmr_exact",
    "fpir",
    "fpir_low",
    "fpir_high",
    "searches",
)
RANK_COLUMNS = ("scenario", "rank", "group", "fnir", "fnir_low", "fnir_high", "mated_searches")
# Thresholds worth a row in the terminal table: the decades and the contested 90s.
TABLE_THRESHOLDS = (0, 50, 70, 80, 85, 90, 93.5, 95, 96, 97, 98, 99, 99.5, 100)


def sweep_json(sweep: Sweep) -> str:
    return sweep.model_dump_json(indent=2)


def sweep_csv(sweep: Sweep) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    exact_from = sweep.fmr_exact_from
    for i, threshold in enumerate(sweep.thresholds):
        for curve in sweep.curves:
            false, miss = curve.false_lead_rate[i], curve.mate_miss_rate[i]
            fmr = sweep.fmr(false)
            fpir = curve.fpir[i] if curve.fpir else None
            writer.writerow(
                {
                    "scenario": sweep.scenario,
                    "threshold": threshold,
                    "group": curve.group,
                    "false_lead_rate": false.mean,
                    "false_lead_low": false.low,
                    "false_lead_high": false.high,
                    "mate_miss_rate": miss.mean,
                    "mate_miss_low": miss.low,
                    "mate_miss_high": miss.high,
                    "seeds": false.n,
                    "fmr": fmr.mean,
                    "fmr_low": fmr.low,
                    "fmr_high": fmr.high,
                    # Below this threshold some impostors fell off the candidate lists.
                    "fmr_exact": "" if exact_from is None else threshold > exact_from,
                    "fpir": None if fpir is None else fpir.mean,
                    "fpir_low": None if fpir is None else fpir.low,
                    "fpir_high": None if fpir is None else fpir.high,
                    "searches": false.units,
                }
            )
    return buffer.getvalue()


def sweep_rank_csv(sweep: Sweep) -> str:
    """FNIR against candidate-list length (no threshold), one row per rank and group."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=RANK_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for r, rank in enumerate(sweep.ranks):
        for curve in sweep.curves:
            if r >= len(curve.fnir_by_rank):
                continue
            est = curve.fnir_by_rank[r]
            writer.writerow(
                {"scenario": sweep.scenario, "rank": rank, "group": curve.group,
                 "fnir": est.mean, "fnir_low": est.low, "fnir_high": est.high,
                 "mated_searches": est.units}
            )  # fmt: skip
    return buffer.getvalue()


def table_rows(sweep: Sweep) -> list[int]:
    """Indices of the thresholds to show: the usual ones and every policy's mark."""
    wanted = {*TABLE_THRESHOLDS, *sweep.marks.values()}
    return [i for i, t in enumerate(sweep.thresholds) if t in wanted]


def sweep_table(sweep: Sweep) -> Table:
    table = Table(
        title=f"Threshold sweep — {sweep.scenario}: false leads per search / mates missed"
    )
    table.add_column("threshold", justify="right", style="bold")
    for curve in sweep.curves:
        table.add_column(curve.group, justify="right")
    marks = {t: name for name, t in sweep.marks.items()}
    for i in table_rows(sweep):
        threshold = sweep.thresholds[i]
        label = f"{threshold:g}" + (f" ({marks[threshold]})" if threshold in marks else "")
        cells = [
            f"{figure(c.false_lead_rate[i], 'per-search')} / "
            f"{figure(c.mate_miss_rate[i], 'percent')}"
            for c in sweep.curves
        ]
        table.add_row(label, *cells)
    return table
