"""Charts of a comparison: false leads by group, who bears them, mates, reviewers."""

from typing import TYPE_CHECKING

import numpy as np

from leadreview.analysis.chart_output import PALETTE, new_figure
from leadreview.analysis.compare_models import Comparison, MetricTable
from leadreview.analysis.intervals import Estimate

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

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


def _by_group(table: MetricTable, groups: list[str], key: str) -> list[Estimate | None]:
    return [table.by_group[g].get(key) for g in groups]


def false_leads_figure(comparison: Comparison) -> "Figure":
    """Share of searches showing a wrong person, per policy and group."""
    figure = new_figure(10.0, 3.8)
    axes = figure.axes[0]
    policies = [p.policy for p in comparison.policies]
    series: dict[str, list[Estimate | None]] = {
        group: [p.metrics.by_group[group].get("false_lead_probe_rate") for p in comparison.policies]
        for group in comparison.groups
    }
    grouped_bars(axes, policies, series, 100.0)
    axes.set_ylabel("searches with a false lead (%)")
    axes.set_title("Searches that put at least one wrong person in front of a reviewer")
    axes.legend(fontsize=8, ncols=min(len(series), 6))
    return figure


def burden_figure(comparison: Comparison) -> "Figure":
    """Each group's share of probes against its share of probes with a false lead."""
    figure = new_figure(10.0, 3.8)
    axes = figure.axes[0]
    series: dict[str, list[Estimate | None]] = {
        "share of probes": [comparison.probe_share.get(g) for g in comparison.groups]
    }
    for result in comparison.policies:
        series[f"false-lead probes, {result.policy}"] = [
            result.metrics.shares[g].get("probes_with_false_lead") for g in comparison.groups
        ]
    grouped_bars(axes, comparison.groups, series, 100.0)
    axes.set_ylabel("share (%)")
    axes.set_title("Who bears the false leads: share of probes vs share of false-lead probes")
    axes.legend(fontsize=7)
    return figure


def mates_figure(comparison: Comparison) -> "Figure | None":
    """Hit rate per policy and group; None when no search was mated."""
    if not any(p.metrics.overall["hit_rate"].defined for p in comparison.policies):
        return None
    figure = new_figure(10.0, 3.8)
    axes = figure.axes[0]
    policies = [p.policy for p in comparison.policies]
    series: dict[str, list[Estimate | None]] = {
        group: [p.metrics.by_group[group].get("hit_rate") for p in comparison.policies]
        for group in comparison.groups
    }
    grouped_bars(axes, policies, series, 100.0)
    axes.set_ylim(0, 105)
    axes.set_ylabel("mated searches showing the mate (%)")
    axes.set_title("Hit rate: the true mate is among the leads shown")
    axes.legend(fontsize=8, ncols=min(len(series), 6))
    return figure


def reviewers_figure(comparison: Comparison) -> "Figure | None":
    profiles = [r.profile for r in comparison.policies[0].reviewers]
    if not profiles:
        return None
    figure = new_figure(10.0, 3.8, columns=2)
    left, right = figure.axes
    policies = [p.policy for p in comparison.policies]
    wrongful: dict[str, list[Estimate | None]] = {}
    forwarded: dict[str, list[Estimate | None]] = {}
    for i, name in enumerate(profiles):
        wrongful[name] = [
            p.reviewers[i].metrics.overall.get("wrongful_forward_search_rate")
            for p in comparison.policies
        ]
        forwarded[name] = [
            p.reviewers[i].metrics.overall.get("mate_forward_rate") for p in comparison.policies
        ]
    grouped_bars(left, policies, wrongful, 100.0)
    left.set_ylabel("searches with a wrongful forward (%)")
    left.set_title("Wrong people forwarded by reviewers")
    left.legend(fontsize=8)
    grouped_bars(right, policies, forwarded, 100.0)
    right.set_ylim(0, 105)
    right.set_ylabel("mated searches, mate forwarded (%)")
    right.set_title("True mates forwarded by reviewers")
    return figure
