"""The regulators' curves: FMR(T), FPIR(T), FNIR(T) and FNIR by list length, per group."""

import csv
import io

import numpy as np
import plotext

from leadreview.analysis.batch import SearchBatch
from leadreview.analysis.sweep import sweep
from leadreview.analysis.sweep_charts import (
    fmr_figure,
    rank_figure,
    rate_figure,
    sweep_figure,
    terminal_sweep_chart,
)
from leadreview.analysis.sweep_export import RANK_COLUMNS, sweep_csv, sweep_rank_csv
from tests.support.batches import random_batch


def known() -> SearchBatch:
    return SearchBatch(
        similarities=np.array([[99.5, 96.03, 81.0], [93.5, 85.0, 20.0]]),
        is_true_mate=np.array([[False, True, False], [False, False, False]]),
        probe_groups=np.array(["A", "B"]),
        probe_mated=np.array([True, False]),
        gallery_size=10,
    )


def means(values: list) -> list[float | None]:  # type: ignore[type-arg]
    return [e.mean for e in values]


def test_known_values_of_every_curve() -> None:
    result = sweep([(1, known())], thresholds=[0, 80, 96.03, 99, 100], rank_marks={"wcso": 2})
    overall = result.curve("(all)")
    assert result.gallery_size == 10
    assert result.fmr_exact_from == 81.0  # the highest score a 3-long list cut off
    fmr = [result.fmr(e).mean for e in overall.false_lead_rate]
    assert fmr == [0.25, 0.2, 0.05, 0.05, 0.0]
    # Only search 1 is non-mated; its best impostor is 93.5.
    assert means(overall.fpir) == [1.0, 1.0, 0.0, 0.0, 0.0]
    assert means(result.curve("A").fpir) == [None] * 5
    # Search 0's mate is at rank 2.
    assert result.ranks == [1, 2, 3]
    assert means(overall.fnir_by_rank) == [1.0, 0.0, 0.0]
    assert means(result.curve("B").fnir_by_rank) == [None] * 3


def test_every_rate_has_an_interval_even_on_one_seed_and_at_zero() -> None:
    result = sweep([(0, random_batch(0))], thresholds=[0, 50, 99.99, 100])
    for curve in result.curves:
        for values in (curve.false_lead_rate, curve.fpir, curve.mate_miss_rate):
            for est in values:
                if est.mean is None:
                    continue
                assert est.low is not None and est.high is not None
                assert est.low <= est.mean <= est.high
        at_100 = curve.false_lead_rate[-1]
        assert at_100.mean == 0.0 and at_100.high is not None and at_100.high > 0


def test_exports_hold_the_new_curves() -> None:
    batches = [(s, SearchBatch(**{**random_batch(s).__dict__, "gallery_size": 1000}))
               for s in range(2)]  # fmt: skip
    result = sweep(batches, thresholds=[0, 50, 100], rank_marks={"wcso-practice": 5})
    rows = list(csv.DictReader(io.StringIO(sweep_csv(result))))
    assert {"fmr", "fpir", "fmr_exact", "searches"} <= set(rows[0])
    first = rows[0]
    assert float(first["fmr"]) == float(first["false_lead_rate"]) / 1000
    ranks = list(csv.DictReader(io.StringIO(sweep_rank_csv(result))))
    assert tuple(ranks[0]) == RANK_COLUMNS
    assert len(ranks) == len(result.ranks) * len(result.curves)


def test_charts_exist_where_there_is_something_to_draw() -> None:
    with_gallery = [(s, SearchBatch(**{**random_batch(s).__dict__, "gallery_size": 1000}))
                    for s in range(2)]  # fmt: skip
    result = sweep(with_gallery, marks={"rekognition-default": 80.0, "amazon-police-95": 95.0},
                   rank_marks={"wcso-practice": 5})  # fmt: skip
    assert fmr_figure(result) is not None
    assert rate_figure(result, "fpir", "y", "t") is not None
    assert rank_figure(result) is not None
    no_gallery = sweep([(0, random_batch(0))])
    assert fmr_figure(no_gallery) is None
    non_mated = SearchBatch(**{**random_batch(1).__dict__,
                               "probe_mated": np.zeros(400, dtype=bool),
                               "is_true_mate": np.zeros((400, 6), dtype=bool)})  # fmt: skip
    nothing_mated = sweep([(0, non_mated)])
    assert rate_figure(nothing_mated, "mate_miss_rate", "y", "t") is None
    assert rank_figure(nothing_mated) is None
    marked = sweep([(0, non_mated)], marks={"rekognition-default": 80.0})
    two_panels = sweep_figure(marked)  # the --chart figure says why its right panel is empty
    assert any("no mated searches" in t.get_text() for t in two_panels.axes[1].texts)


def test_policy_marks_are_in_the_legend_not_written_over_the_plot() -> None:
    """Labels at 95, 96 and 99 used to overlap; now they are legend entries."""
    from leadreview.analysis.chart_output import inline_svg

    result = sweep(
        [(0, SearchBatch(**{**random_batch(0).__dict__, "gallery_size": 1000}))],
        marks={"a-95": 95.0, "b-96": 96.0, "c-99": 99.0},
    )
    figure = fmr_figure(result)
    assert figure is not None
    legend = figure.axes[0].get_legend()
    assert legend is not None
    assert {"a-95 (95)", "b-96 (96)", "c-99 (99)"} <= {t.get_text() for t in legend.get_texts()}
    assert not figure.axes[0].texts  # no free text on the plot to collide
    assert "a-95 (95)" in inline_svg(figure)


def test_terminal_chart_reads_without_colour() -> None:
    result = sweep([(s, random_batch(s)) for s in range(2)], marks={"rekognition-default": 80.0})
    plain = plotext.uncolorize(terminal_sweep_chart(result, width=120, height=22))
    assert "key: @ all searches   o x   x y   + z" in plain
    assert "vertical lines: 80 rekognition-default" in plain
    body = plain.split("key:")[0]
    for symbol in "@ox+":
        assert symbol in body  # every series drawn with its own character
