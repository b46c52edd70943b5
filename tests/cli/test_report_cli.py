"""`report compare|sweep` end to end: the page and its CSV and JSON, and bad options."""

import csv
import json
from pathlib import Path

import pytest

from tests.support.cli import assert_one_line_error, run_cli

SMALL = ("--scenario", "wcso-cctv", "--gallery-size", "3000", "--probes", "60")


def test_report_compare_writes_the_page_with_its_data_beside_it(tmp_path: Path) -> None:
    page = tmp_path / "briefing.html"
    result = run_cli(
        "report", "compare", "-o", str(page), *SMALL, "--seeds", "2",
        "--reviewer-profile", "untrained", "--reference-group", "overall", "--parity-band",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    html = page.read_text(encoding="utf-8")
    bundle = json.loads((tmp_path / "briefing.json").read_text(encoding="utf-8"))
    rows = list(csv.DictReader((tmp_path / "briefing.csv").open(encoding="utf-8")))
    assert bundle["comparison"]["reference"] == "(all)"
    assert bundle["comparison"]["parity_band"] == [0.8, 1.25]
    for fact in bundle["headline"]:
        assert fact["sentence"] in html
    ratios = [r for r in rows if r["metric"].endswith(":ratio_to_reference")]
    assert ratios and {r["reference"] for r in ratios} == {"(all)"}
    assert 'href="briefing.csv"' in html and "Aequitas band" in html
    assert not list(tmp_path.glob(".*partial"))


def test_report_sweep_writes_the_page_with_its_data_beside_it(tmp_path: Path) -> None:
    page = tmp_path / "sweep.html"
    result = run_cli("report", "sweep", "-o", str(page), *SMALL, "--step", "5")
    assert result.returncode == 0, result.stderr
    for name in ("sweep.csv", "sweep.ranks.csv", "sweep.json"):
        assert (tmp_path / name).stat().st_size > 100, name
    data = json.loads((tmp_path / "sweep.json").read_text(encoding="utf-8"))
    assert data["gallery_size"] == 3000
    assert data["rank_marks"] == {"wcso-practice": 5}
    assert "FMR(T) by group" in page.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--reference-group", "martian"), "martian"),
        (("--min-group-size", "0"), "--min-group-size"),
        (("--min-group-size", "-5"), "--min-group-size"),
        (("--max-candidates", "0"), "--max-candidates"),
    ],
)
def test_bad_report_options_are_one_line(
    tmp_path: Path, args: tuple[str, ...], needle: str
) -> None:
    command = "sweep" if "--max-candidates" in args else "compare"
    page = tmp_path / "r.html"
    result = run_cli("report", command, "-o", str(page), *SMALL, *args)
    assert_one_line_error(result, needle)
    assert not page.exists()
