"""Charts of a threshold sweep: FMR, FPIR and FNIR per group, and FNIR by list length.

Every curve carries the bundled policies' operating points as markers, named in the
legend beside the plot rather than in text on it, so that policies at 95, 96 and 99 can
never overlap. Each group has its own line style and marker, not only its own colour.
"""

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from leadreview.analysis.chart_output import MARKERS, PALETTE, new_figure
from leadreview.analysis.intervals import Estimate
from leadreview.analysis.sweep import Sweep
from leadreview.analysis.tallies import OVERALL

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Below this a false-lead rate is drawn at the floor: a log axis cannot show zero.
LOG_FLOOR = 1e-4
DASHES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (3, 1, 1, 1, 1, 1)))
MARK_SHAPES = ("*", "P", "X", "h", "p", "8")


def _series(estimates: list[Estimate], field: str) -> npt.NDArray[np.float64]:
    values = [getattr(e, field) for e in estimates]
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _label(group: str) -> str:
    return "all searches" if group == OVERALL else group


def draw_curves(
    axes: "Axes",
    x: npt.NDArray[np.float64],
    curves: list[tuple[str, list[Estimate]]],
    marks: dict[str, float],
    scale: float = 1.0,
    floor: float | None = None,
) -> None:
    """One line per group with its 95% band, and a marker per policy on every line."""
    for i, (group, estimates) in enumerate(curves):
        y = _series(estimates, "mean") * scale
        low, high = _series(estimates, "low") * scale, _series(estimates, "high") * scale
        if floor is not None:
            y, low, high = (np.where(v > 0, v, np.nan) for v in (y, low, high))
            low = np.where(np.isnan(low) & np.isfinite(high), floor, low)
        colour = PALETTE[i % len(PALETTE)]
        overall = group == OVERALL
        axes.plot(
            x, y, label=_label(group), color=colour, linewidth=2.4 if overall else 1.3,
            linestyle=DASHES[i % len(DASHES)],
            marker=None if overall else MARKERS[i % len(MARKERS)],
            markevery=max(len(x) // 10, 1), markersize=4,
        )  # fmt: skip
        # On a log axis a group's band reaching zero would cover the plot: there only the
        # overall band is drawn (every group's interval is in the table below the chart).
        if np.isfinite(low).any() and (overall or floor is None):
            axes.fill_between(x, low, high, color=colour, alpha=0.14 if overall else 0.06)
    for k, (name, at) in enumerate(sorted(marks.items(), key=lambda item: item[1])):
        shape = MARK_SHAPES[k % len(MARK_SHAPES)]
        axes.axvline(at, color="#777777", linewidth=0.7, linestyle=":")
        if x.size == 0:
            continue
        index = int(np.argmin(np.abs(x - at)))
        for i, (_, estimates) in enumerate(curves):
            value = _series(estimates, "mean")[index] * scale
            if np.isfinite(value) and (floor is None or value > 0):
                axes.plot([x[index]], [value], marker=shape, color="black", markersize=8,
                          markerfacecolor=PALETTE[i % len(PALETTE)], linestyle="none")  # fmt: skip
        axes.plot([], [], marker=shape, color="black", linestyle="none",
                  label=f"{name} ({at:g})")  # fmt: skip
    axes.grid(True, alpha=0.3, which="both")
    if axes.get_legend_handles_labels()[0]:
        axes.legend(fontsize=7.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)


def _curves(sweep: Sweep, metric: str) -> list[tuple[str, list[Estimate]]]:
    return [(c.group, list(getattr(c, metric))) for c in sweep.curves if getattr(c, metric)]


def _defined(curves: list[tuple[str, list[Estimate]]]) -> bool:
    return any(e.mean is not None for _, estimates in curves for e in estimates)


def fmr_figure(sweep: Sweep) -> "Figure | None":
    """FMR(T) per group on a log axis (NIST IR 8280 style); None without a gallery size."""
    if not sweep.gallery_size:
        return None
    curves = [(g, [sweep.fmr(e) for e in est]) for g, est in _curves(sweep, "false_lead_rate")]
    x = np.array(sweep.thresholds)
    exact = sweep.fmr_exact_from or 0.0
    shown = x >= exact
    if not shown.any():
        return None
    figure = new_figure(10.0, 4.0)
    axes = figure.axes[0]
    draw_curves(axes, x[shown], [(g, [e for e, s in zip(est, shown, strict=True) if s])
                                 for g, est in curves], sweep.marks, floor=1e-12)  # fmt: skip
    axes.set_yscale("log")
    positive = [e.mean for _, est in curves for e in est if e.mean]
    if positive:
        axes.set_ylim(bottom=min(positive) / 10)
    axes.set_xlim(max(exact, 0.0), 100)
    axes.set_xlabel("threshold T (Similarity)")
    axes.set_ylabel("FMR(T), log scale")
    axes.set_title("False match rate against threshold, by group")
    return figure


def rate_figure(sweep: Sweep, metric: str, ylabel: str, title: str) -> "Figure | None":
    """A share against threshold (FPIR or FNIR), in percent; None when undefined."""
    curves = _curves(sweep, metric)
    if not _defined(curves):
        return None
    figure = new_figure(10.0, 3.8)
    axes = figure.axes[0]
    draw_curves(axes, np.array(sweep.thresholds), curves, sweep.marks, scale=100.0)
    axes.set_xlim(0, 100)
    axes.set_ylim(-2, 102)
    axes.set_xlabel("threshold T (Similarity)")
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    return figure


def rank_figure(sweep: Sweep) -> "Figure | None":
    """FNIR against candidate-list length, with no threshold; None without mated searches."""
    curves = _curves(sweep, "fnir_by_rank")
    if not sweep.ranks or not _defined(curves):
        return None
    figure = new_figure(10.0, 3.6)
    axes = figure.axes[0]
    marks = {n: float(r) for n, r in sweep.rank_marks.items() if r <= sweep.ranks[-1]}
    draw_curves(axes, np.array(sweep.ranks, dtype=float), curves, marks, scale=100.0)
    axes.set_xlim(0.5, sweep.ranks[-1] + 0.5)
    # Zoom to the data: FNIR by rank is often a few percent, lost at the foot of 0-100.
    tops = [e.high or e.mean or 0.0 for _, est in curves for e in est if e.mean is not None]
    axes.set_ylim(-1, min(102.0, 100.0 * max(tops, default=1.0) * 1.15 + 1.0))
    axes.set_xlabel("candidate-list length R")
    axes.set_ylabel("FNIR (%)")
    axes.set_title("Mated searches whose mate is not in the top R, by group")
    return figure


def sweep_figure(sweep: Sweep) -> "Figure":
    """The two-panel chart `sweep --chart` writes: false leads per search and FNIR(T)."""
    figure = new_figure(12.0, 4.4, columns=2)
    left, right = figure.axes
    x = np.array(sweep.thresholds)
    draw_curves(left, x, _curves(sweep, "false_lead_rate"), sweep.marks, floor=LOG_FLOOR)
    left.set_yscale("log")
    left.set_xlim(0, 100)
    left.set_xlabel("threshold (Similarity)")
    left.set_ylabel("false leads per search (log scale)")
    left.set_title("False leads shown")
    legend = left.get_legend()
    if legend is not None:
        legend.remove()  # one legend, beside the right panel
    miss = _curves(sweep, "mate_miss_rate")
    if _defined(miss):
        draw_curves(right, x, miss, sweep.marks, scale=100.0)
    else:
        right.text(
            0.5,
            0.5,
            "no mated searches in this scenario:\nno mate can be missed",
            ha="center",
            va="center",
            transform=right.transAxes,
            color="#555555",
        )
        draw_curves(right, x[:0], [], sweep.marks)
        right.set_xlim(0, 100)
        handles, labels = left.get_legend_handles_labels()
        right.legend(handles, labels, fontsize=7.5, loc="upper left",
                     bbox_to_anchor=(1.01, 1.0), frameon=False)  # fmt: skip
    right.set_xlim(0, 100)
    right.set_ylim(-2, 102)
    right.set_xlabel("threshold (Similarity)")
    right.set_ylabel("mated searches missing their mate (%)")
    right.set_title("True mates missed (FNIR)")
    note = "" if len(sweep.seeds) == 1 else "; bands: 95% intervals"
    figure.suptitle(f"Threshold sweep — {sweep.scenario} ({len(sweep.seeds)} seed(s){note})")
    return figure


# Terminal markers: each group its own character, so the chart reads without colour.
TEXT_MARKERS = ("@", "o", "x", "+", "#", "%", "&", "=")


def terminal_sweep_chart(sweep: Sweep, width: int = 110, height: int = 22) -> str:
    """Both curves as text for the terminal (plotext 6), log10 for the false-lead rate.

    Each group is drawn with its own character and named with it in the legend, and the
    policies' thresholds are listed under the chart, so nothing depends on colour.
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
        # Groups first, all searches last: where curves meet, the overall one stays visible.
        for i, curve in reversed(list(enumerate(sweep.curves))):
            y = _series(getattr(curve, metric), "mean")
            y = np.log10(np.maximum(y, LOG_FLOOR)) if log else 100.0 * y
            keep = np.isfinite(y)
            symbol = TEXT_MARKERS[i % len(TEXT_MARKERS)]
            signal = plot.signal(x_all[keep].tolist(), y[keep].tolist(), marker=symbol)
            plot.draw(signal)
        # The key goes under the chart: a legend box inside would cover the curves.
        plot.legend(False)
        for threshold in sweep.marks.values():
            plot.line(threshold, orientation="v")
        plot.label("threshold", axis="x")
    text = str(figure.build())
    figure.clear()
    key = "   ".join(
        f"{TEXT_MARKERS[i % len(TEXT_MARKERS)]} {_label(c.group)}"
        for i, c in enumerate(sweep.curves)
    )
    marks = ", ".join(f"{t:g} {n}" for n, t in sorted(sweep.marks.items(), key=lambda i: i[1]))
    return text + f"\nkey: {key}\n" + (f"vertical lines: {marks}\n" if marks else "")
