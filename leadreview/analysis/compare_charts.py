"""Charts of a comparison: false leads by group, who bears them, mates, reviewers."""

from typing import TYPE_CHECKING

import numpy as np

from leadreview.analysis.chart_output import PALETTE, new_figure
from leadreview.analysis.compare_models import Comparison
from leadreview.analysis.intervals import Estimate

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# The ratio axis of a forest plot: 1/20 to 20 holds any difference a reader can act on.
FOREST_LIMITS = (0.05, 20.0)
HATCHES = ("", "//", "..", "xx", "\\\\", "oo", "++")  # not colour alone


def grouped_bars(
    axes: "Axes", categories: list[str], series: dict[str, list[Estimate | None]], scale: float
) -> None:
    """Bars per category, one per series, with 95% intervals as error bars where given."""
    width = 0.8 / max(len(series), 1)
    x = np.arange(len(categories))
    for i, (label, estimates) in enumerate(series.items()):
        means = np.array([np.nan if e is None or e.mean is None else e.mean for e in estimates])
        lows = np.array([np.nan if e is None or e.low is None else e.low for e in estimates])
        highs = np.array([np.nan if e is None or e.high is None else e.high for e in estimates])
        y = np.nan_to_num(means * scale)
        error = np.vstack([y - lows * scale, highs * scale - y])
        error = np.where(np.isfinite(error), np.maximum(error, 0.0), 0.0)
        axes.bar(
            x + (i - (len(series) - 1) / 2) * width, y, width, label=label,
            color=PALETTE[(i + 1) % len(PALETTE)], hatch=HATCHES[i % len(HATCHES)],
            edgecolor="white", yerr=error if error.any() else None, capsize=2,
        )  # fmt: skip
    axes.set_xticks(x, categories, rotation=15 if len(categories) > 4 else 0)
    axes.grid(True, axis="y", alpha=0.3)


def _legend_outside(axes: "Axes") -> None:
    """The legend beside the plot, never over the bars (constrained layout makes room)."""
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)


def _policies(comparison: Comparison) -> list[str]:
    return [p.policy for p in comparison.policies]


def workload_figure(comparison: Comparison) -> "Figure":
    """Leads a reviewer must look at per search, and what reviewers forwarded."""
    figure = new_figure(10.0, 3.4)
    axes = figure.axes[0]
    series: dict[str, list[Estimate | None]] = {
        "leads shown": [p.metrics.overall.get("leads_per_search") for p in comparison.policies]
    }
    for i, reviewer in enumerate(comparison.policies[0].reviewers):
        series[f"forwarded ({reviewer.profile})"] = [
            p.reviewers[i].metrics.overall.get("forwards_per_search") for p in comparison.policies
        ]
    grouped_bars(axes, _policies(comparison), series, 1.0)
    axes.set_ylabel("per search")
    axes.set_title("Leads shown to a reviewer, and forwarded, per search")
    _legend_outside(axes)
    return figure


def false_leads_figure(comparison: Comparison) -> "Figure":
    """Share of searches showing a wrong person, per policy and group."""
    figure = new_figure(10.0, 3.6)
    axes = figure.axes[0]
    series: dict[str, list[Estimate | None]] = {
        group: [p.metrics.by_group[group].get("false_lead_probe_rate") for p in comparison.policies]
        for group in comparison.groups
    }
    grouped_bars(axes, _policies(comparison), series, 100.0)
    axes.set_ylabel("searches with a false lead (%)")
    axes.set_title("Searches that put at least one wrong person in front of a reviewer")
    _legend_outside(axes)
    return figure


def burden_figure(comparison: Comparison) -> "Figure":
    """Each group's share of searches against its share of searches with a false lead."""
    figure = new_figure(10.0, 3.6)
    axes = figure.axes[0]
    series: dict[str, list[Estimate | None]] = {
        "share of searches": [comparison.probe_share.get(g) for g in comparison.groups]
    }
    for result in comparison.policies:
        series[f"share of false-lead searches, {result.policy}"] = [
            result.metrics.shares[g].get("probes_with_false_lead") for g in comparison.groups
        ]
    grouped_bars(axes, comparison.groups, series, 100.0)
    axes.set_ylabel("share (%)")
    axes.set_title("Who bears the false leads")
    _legend_outside(axes)
    return figure


def has_mated(comparison: Comparison) -> bool:
    return any(p.metrics.overall["hit_rate"].defined for p in comparison.policies)


def mates_figure(comparison: Comparison) -> "Figure | None":
    """Mates lost by each policy, per group; None when no search was mated."""
    if not has_mated(comparison):
        return None
    figure = new_figure(10.0, 3.6)
    axes = figure.axes[0]
    series: dict[str, list[Estimate | None]] = {
        group: [p.metrics.by_group[group].get("mate_loss_rate") for p in comparison.policies]
        for group in comparison.groups
    }
    grouped_bars(axes, _policies(comparison), series, 100.0)
    axes.set_ylim(0, 105)
    axes.set_ylabel("returned mates filtered out (%)")
    axes.set_title("True mates the search returned but the policy hid")
    _legend_outside(axes)
    return figure


def reviewers_figure(comparison: Comparison) -> "Figure | None":
    """Searches in which a simulated reviewer forwarded a wrong person; None without any."""
    profiles = [r.profile for r in comparison.policies[0].reviewers]
    if not profiles:
        return None
    figure = new_figure(10.0, 3.4)
    axes = figure.axes[0]
    series: dict[str, list[Estimate | None]] = {
        name: [
            p.reviewers[i].metrics.overall.get("wrongful_forward_search_rate")
            for p in comparison.policies
        ]
        for i, name in enumerate(profiles)
    }
    grouped_bars(axes, _policies(comparison), series, 100.0)
    axes.set_ylabel("searches with a wrongful forward (%)")
    axes.set_title("Wrong people forwarded by reviewers")
    _legend_outside(axes)
    return figure


def forest_rows(comparison: Comparison, key: str) -> list[tuple[str, Estimate, bool]]:
    """(label, ratio, highlighted) for every compared group under every policy."""
    rows = []
    for result in comparison.policies:
        for group in comparison.groups:
            item = result.metrics.disparities[group].get(key)
            if item is not None and item.ratio is not None and item.ratio.mean is not None:
                rows.append((f"{result.policy} · {group}", item.ratio, item.highlight))
    return rows


def forest_figure(
    comparison: Comparison, key: str, band: tuple[float, float] | None = None
) -> "Figure | None":
    """Each group's ratio to the reference with its 95% interval, on a log axis."""
    rows = forest_rows(comparison, key)
    if not rows:
        return None
    figure = new_figure(10.0, 0.9 + 0.28 * len(rows))
    axes = figure.axes[0]
    y = np.arange(len(rows))[::-1]
    for yi, (_, ratio, highlighted) in zip(y, rows, strict=True):
        # Beyond the axis (a ratio of 0, or an interval from a handful of cases) the line
        # stops at the edge with an arrow head, instead of stretching the axis to 1e-3.
        raw_mean = ratio.mean or 0.0
        raw_low = ratio.low if ratio.low is not None else raw_mean
        raw_high = ratio.high if ratio.high is not None else raw_mean
        mean, low, high = (min(max(v, FOREST_LIMITS[0]), FOREST_LIMITS[1])
                           for v in (raw_mean, raw_low, raw_high))  # fmt: skip
        colour = PALETTE[2] if highlighted else PALETTE[1]
        axes.plot([low, high], [yi, yi], color=colour, linewidth=1.6)
        if raw_low < FOREST_LIMITS[0]:
            axes.plot([low], [yi], marker="<", color=colour, markersize=5)
        if raw_high > FOREST_LIMITS[1]:
            axes.plot([high], [yi], marker=">", color=colour, markersize=5)
        # A filled marker where the interval excludes parity, hollow where it does not.
        axes.plot(
            [mean], [yi], marker="D" if highlighted else "o", color=colour,
            markerfacecolor=colour if highlighted else "white", markersize=6,
        )  # fmt: skip
    axes.axvline(1.0, color="#333333", linewidth=1.0)
    if band:
        axes.axvspan(band[0], band[1], color="#999999", alpha=0.15, linewidth=0)
    axes.set_xscale("log")
    axes.set_xlim(*FOREST_LIMITS)
    axes.set_yticks(y, [label for label, _, _ in rows], fontsize=8)
    axes.set_ylim(-0.7, len(rows) - 0.3)
    axes.set_xlabel(f"ratio to the reference ({comparison.metric(key).label}; log scale)")
    axes.grid(True, axis="x", alpha=0.3, which="both")
    return figure
