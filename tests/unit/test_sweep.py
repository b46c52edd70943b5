"""Threshold sweeps: known values, monotone curves, CSV, chart files and the terminal chart."""

import csv
import io
from pathlib import Path

import numpy as np
import pytest

from leadreview.analysis.batch import SearchBatch
from leadreview.analysis.chart_output import save_figure
from leadreview.analysis.sweep import sweep
from leadreview.analysis.sweep_charts import sweep_figure, terminal_sweep_chart
from leadreview.analysis.sweep_export import CSV_COLUMNS, sweep_csv
from leadreview.errors import InputFileError
from tests.support.batches import random_batch


def test_known_values() -> None:
    batch = SearchBatch(
        similarities=np.array([[99.5, 96.03, 81.0], [93.5, 85.0, 20.0]]),
        is_true_mate=np.array([[False, True, False], [False, False, False]]),
        probe_groups=np.array(["A", "B"]),
        probe_mated=np.array([True, False]),
    )
    result = sweep([(1, batch)], thresholds=[0, 80, 96.03, 99, 100])
    overall = result.curve("(all)")
    assert [e.mean for e in overall.false_lead_rate] == [2.5, 2.0, 0.5, 0.5, 0.0]
    assert [e.mean for e in overall.mate_miss_rate] == [0.0, 0.0, 0.0, 1.0, 1.0]
    assert [e.mean for e in result.curve("B").mate_miss_rate] == [None] * 5  # no mated probe
    assert [e.mean for e in result.curve("B").false_lead_rate] == [3.0, 2.0, 0.0, 0.0, 0.0]


def test_curves_are_monotone_in_the_threshold_for_every_group() -> None:
    result = sweep([(s, random_batch(s)) for s in range(4)])
    assert result.thresholds[0] == 0 and result.thresholds[-1] == 100
    assert len(result.thresholds) == 101
    for curve in result.curves:
        false = np.array([e.mean for e in curve.false_lead_rate], dtype=float)
        miss = np.array([e.mean for e in curve.mate_miss_rate], dtype=float)
        assert np.all(np.diff(false) <= 1e-12), curve.group
        assert np.all(np.diff(miss) >= -1e-12), curve.group
        assert false[-1] == 0.0 and miss[-1] == 1.0


def test_max_candidates_counts_only_the_top_leads() -> None:
    batch = random_batch(0)
    full = sweep([(0, batch)], thresholds=[0])
    top2 = sweep([(0, batch)], thresholds=[0], max_candidates=2)
    few = top2.curve("(all)").false_lead_rate[0].mean
    many = full.curve("(all)").false_lead_rate[0].mean
    assert few is not None and many is not None and few < many
    assert top2.max_candidates == 2


def test_csv_has_a_row_per_threshold_and_group() -> None:
    result = sweep([(s, random_batch(s)) for s in range(2)], thresholds=[0, 50, 100])
    rows = list(csv.DictReader(io.StringIO(sweep_csv(result))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 3 * 4  # overall and three groups
    assert {r["group"] for r in rows} == {"(all)", "x", "y", "z"}
    assert all(r["seeds"] == "2" for r in rows)


def test_chart_files_and_terminal_chart(tmp_path: Path) -> None:
    result = sweep(
        [(s, random_batch(s)) for s in range(2)], marks={"rekognition-default": 80.0},
        scenario="random",
    )  # fmt: skip
    figure = sweep_figure(result)
    png, svg = tmp_path / "s.png", tmp_path / "s.svg"
    save_figure(figure, png)
    save_figure(figure, svg)
    assert png.read_bytes().startswith(b"\x89PNG")
    assert "<svg" in svg.read_text() and "rekognition-default" in svg.read_text()
    with pytest.raises(InputFileError, match=r"\.png or \.svg"):
        save_figure(figure, tmp_path / "s.gif")
    text = terminal_sweep_chart(result, width=100, height=20)
    assert "false leads per search" in text and "mates missed" in text


def test_the_sweep_command_writes_csv_and_charts(tmp_path: Path) -> None:
    import subprocess
    import sys

    png, out = tmp_path / "sweep.png", tmp_path / "sweep.csv"
    result = subprocess.run(
        [sys.executable, "-m", "leadreview", "sweep", "--scenario", "wcso-cctv",
         "--gallery-size", "3000", "--probes", "60", "--step", "5", "--format", "csv",
         "--output", str(out), "--chart", str(png)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert png.read_bytes().startswith(b"\x89PNG")
    assert len(out.read_text().splitlines()) == 1 + 21 * 6  # 0, 5, …, 100; all + 5 groups
