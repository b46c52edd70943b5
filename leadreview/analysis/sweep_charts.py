"""Charts of a threshold sweep: false leads per search and missed mates, per group."""

from typing import TYPE_CHECKING

import numpy as np

from leadreview.analysis.chart_output import MARKERS, PALETTE, new_figure
from leadreview.analysis.intervals import Estimate
from leadreview.analysis.sweep import Sweep
from leadreview.analysis.tallies import OVERALL

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Below this a false-lead rate is drawn at the floor: a log axis cannot show zero.
LOG_FLOOR = 1e-4


def _series(estimates: list[Estimate], field: str) -> np.ndarray:
    values = [getattr(e, field) for e in estimates]
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _draw(axes: "Axes", sweep: Sweep, metric: str, scale: float) -> None:
    x = np.array(sweep.thresholds)
    for i, curve in enumerate(sweep.curves):
        estimates: list[Estimate] = getattr(curve, metric)
        y = _series(estimates, "mean") * scale
        overall = curve.group == OVERALL
        axes.plot(
            x, y, label="all searches" if overall else curve.group,
            color=PALETTE[i % len(PALETTE)], linewidth=2.4 if overall else 1.4,
            linestyle="-" if overall else "--" if i % 2 else "-.",
            marker=None if overall else MARKERS[i % len(MARKERS)], markevery=10, markersize=4,
        )  # fmt: skip
        low, high = _series(estimates, "low") * scale, _series(estimates, "high") * scale
        # One band only: per-group bands over a few seeds hide the lines they surround.
        if overall and np.isfinite(low).any():
            axes.fill_between(x, low, high, color=PALETTE[i % len(PALETTE)], alpha=0.12)
    for name, threshold in sweep.marks.items():
        axes.axvline(threshold, color="#777777", linewidth=0.8, linestyle=":")
        axes.annotate(
            name, (threshold, 1.0), xycoords=("data", "axes fraction"), rotation=90,
            fontsize=7, color="#555555", ha="right", va="top",
        )  # fmt: skip
    axes.set_xlim(0, 100)
    axes.set_xlabel("threshold (Similarity)")
    axes.grid(True, alpha=0.3)


def sweep_figure(sweep: Sweep) -> "Figure":
    figure = new_figure(11.0, 4.4, columns=2)
    left, right = figure.axes
    _draw(left, sweep, "false_lead_rate", 1.0)
    left.set_yscale("log")
    left.set_ylim(bottom=LOG_FLOOR)
    left.set_ylabel("false leads per search (log scale)")
    left.set_title("False leads shown")
    _draw(right, sweep, "mate_miss_rate", 100.0)
    right.set_ylim(0, 100)
    right.set_ylabel("mated searches missing their mate (%)")
    right.set_title("True mates missed")
    right.legend(fontsize=8, loc="upper left")
    if not sweep.curve(OVERALL).mate_miss_rate[0].defined:
        right.text(50, 50, "no mated searches in this scenario", ha="center", color="#555555")
    note = "" if len(sweep.seeds) == 1 else f"; bands: {sweep.interval_method}"
    figure.suptitle(f"Threshold sweep — {sweep.scenario} ({len(sweep.seeds)} seed(s){note})")
    return figure


def terminal_sweep_chart(sweep: Sweep, width: int = 110, height: int = 22) -> str:
    """Both curves as text for the terminal (plotext 6), log10 for the false-lead rate.

    Returns the chart with ANSI colours; `rich.text.Text.from_ansi` prints it.
    """
    import plotext

    figure = plotext.figure
    figure.clear()
    figure.plot_size(width, height)
    figure.subplots(1, 2)
    panels = (
        ("false_lead_rate", "false leads per search (log10)", True),
        ("mate_miss_rate", "mates missed (%)", False),
    )
    x_all = np.array(sweep.thresholds)
    for column, (metric, title, log) in enumerate(panels, start=1):
        plot = figure.subplot(1, column)
        plot.title(title)
        for curve in sweep.curves:
            y = _series(getattr(curve, metric), "mean")
            y = np.log10(np.maximum(y, LOG_FLOOR)) if log else 100.0 * y
            keep = np.isfinite(y)
            signal = plot.signal(x_all[keep].tolist(), y[keep].tolist())
            signal.label("all" if curve.group == OVERALL else curve.group)
            signal.lines()
            plot.draw(signal)
        for threshold in sweep.marks.values():
            plot.line(threshold, orientation="v")
        plot.label("threshold", axis="x")
    text = str(figure.build())
    figure.clear()
    return text
