"""HTML reports: the key figures are on the page, every string is escaped, nothing is fetched."""

import re
from pathlib import Path

from leadreview.analysis.compare import compare
from leadreview.analysis.compare_models import Comparison
from leadreview.analysis.formatting import figure
from leadreview.analysis.report_html import comparison_report, sweep_report
from leadreview.analysis.sweep import sweep
from leadreview.policy.loader import load_policies
from leadreview.simulation.reviewer_model import load_profiles
from tests.support.batches import POLICIES, known_batch, random_batch
from tests.support.browser import needs_chromium, run_chromium, without_sources

HOSTILE = "<script>alert('x')</script> & \"quotes\""


def comparison(seeds: int = 2) -> Comparison:
    return compare(
        [(s, known_batch()) for s in range(seeds)],
        policies=load_policies(POLICIES),
        profiles=load_profiles(["untrained", "trained-examiner"]),
        scenario="known",
        sources=[HOSTILE, "A citation with a link: https://example.org/paper"],
    )


def key_figures(result: Comparison) -> list[str]:
    """The figures a reader looks for: each policy's hit rate, false leads, mates lost."""
    figures = []
    for policy in result.policies:
        overall = policy.metrics.overall
        figures.append(figure(overall["hit_rate"], "percent"))
        figures.append(figure(overall["false_leads_shown"], "count"))
        figures.append(figure(overall["false_lead_probe_rate"], "percent"))
    return figures


def test_comparison_report_holds_the_key_figures_and_tables() -> None:
    result = comparison()
    html = comparison_report(result)
    assert html.startswith("<!DOCTYPE html>")
    for text in key_figures(result):
        assert text in html
    for policy in POLICIES:
        assert f"By group — {policy}" in html
    assert html.count("<svg") >= 3  # false leads, burden, mates, reviewers
    assert "Student t-interval" in html
    assert "Sources" in html and "White" in html


def test_every_string_is_escaped_and_nothing_is_fetched() -> None:
    html = comparison_report(comparison())
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quotes&quot;" in html
    assert "https://example.org/paper" in html  # a citation may carry its address …
    body = without_sources(html)
    assert "http" not in body  # … but nothing else does: no fetch, no namespace URL
    assert not re.search(r"<(script|link|img|iframe)\b", body)
    assert "@import" not in body
    assert not re.search(r"url\((?!#)", body)  # only references inside the page


def test_sweep_report() -> None:
    result = sweep(
        [(s, random_batch(s)) for s in range(2)],
        marks={"rekognition-default": 80.0, "amazon-documented-99": 99.0},
        scenario="random", sources=["ACLU 2018"],
    )  # fmt: skip
    html = sweep_report(result)
    overall = result.curve("(all)")
    at_80 = result.thresholds.index(80.0)
    assert figure(overall.false_lead_rate[at_80], "per-search") in html
    assert "80 (rekognition-default)" in html
    assert "<svg" in html and "http" not in without_sources(html)


@needs_chromium
def test_the_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    result = comparison()
    page = tmp_path / "report.html"
    page.write_text(comparison_report(result), encoding="utf-8")
    dom = run_chromium(page, tmp_path, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    text = re.sub(r"\s+", " ", dom.stdout)
    for value in key_figures(result):
        assert value in text
    assert "Policy comparison — known" in text
    assert "<svg" in dom.stdout
    shot = tmp_path / "report.png"
    run_chromium(page, tmp_path, "--hide-scrollbars", "--window-size=1280,2000",
              f"--screenshot={shot}")  # fmt: skip
    assert shot.read_bytes().startswith(b"\x89PNG")
    assert shot.stat().st_size > 20_000  # a page with tables and charts, not a blank one
