"""HTML reports: read as a person would, in a real browser, and checked against the data.

The comparison runs on a batch shaped like the ACLU's test: a large group, two smaller
ones and a group of five; one group's impostors score higher. The headline's figures are
checked against the JSON written beside the page; the page is rendered by headless
Chromium at desktop and phone widths (no sideways scrolling of the page, no chart labels
on top of each other) and printed to PDF.
"""

import asyncio
import base64
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from leadreview.analysis.batch import SearchBatch
from leadreview.analysis.compare import compare
from leadreview.analysis.compare_models import Comparison
from leadreview.analysis.disparity import DisparityRules
from leadreview.analysis.formatting import figure
from leadreview.analysis.headline import headline_facts, pct
from leadreview.analysis.report_exports import comparison_bundle_json
from leadreview.analysis.report_html import comparison_report
from leadreview.analysis.sweep import Sweep, sweep
from leadreview.analysis.sweep_report_html import sweep_report
from leadreview.errors import LeadreviewError
from leadreview.policy.loader import load_policies
from leadreview.simulation.reviewer_model import load_profiles
from tests.support.batches import POLICIES
from tests.support.browser import chromium_devtools, needs_chromium, without_sources

HOSTILE = "<script>alert('x')</script> & \"quotes\""
GROUPS = {"white": 480, "black": 60, "hispanic": 55, "indigenous": 5}


def council_batch(seed: int, mated_share: float = 0.0) -> SearchBatch:
    """600 searches, 8 leads each; black probes' impostors score about 6 points higher."""
    rng = np.random.default_rng(seed)
    labels = np.concatenate([np.full(n, g) for g, n in GROUPS.items()])
    m, k = labels.size, 8
    shift = np.where(labels == "black", 6.0, 0.0)[:, None]
    sims = np.clip(rng.normal(62.0, 9.0, (m, k)) + shift, 0, 100)
    sims = -np.sort(-sims, axis=1)
    mated = rng.random(m) < mated_share
    mate = np.zeros((m, k), dtype=bool)
    column = rng.integers(0, k + 2, m)
    rows = np.flatnonzero(mated & (column < k))
    mate[rows, column[rows]] = True
    sims[rows, column[rows]] = np.maximum(sims[rows, column[rows]], 90.0)
    sims = -np.sort(-sims, axis=1)
    mate = np.zeros((m, k), dtype=bool)
    first = np.argmax(sims >= 90.0, axis=1)
    mate[rows, first[rows]] = True
    return SearchBatch(sims, mate, labels, mated, gallery_size=25_000)


def comparison(
    seeds: int = 3, mated_share: float = 0.0, rules: DisparityRules = DisparityRules()
) -> Comparison:
    return compare(
        [(s, council_batch(s, mated_share)) for s in range(seeds)],
        policies=load_policies(POLICIES),
        profiles=load_profiles(["untrained"]),
        scenario="council",
        sources=[HOSTILE, "A citation with a link: https://example.org/paper"],
        rules=rules,
    )


def headline_text(html: str) -> list[str]:
    block = re.search(r'<div class="headline">(.*?)</div>', html, re.DOTALL)
    assert block is not None
    return [re.sub(r"<[^>]+>", "", p) for p in re.findall(r"<p[^>]*>(.*?)</p>", block[1])]


def test_headline_figures_match_the_json_beside_the_report() -> None:
    result = comparison()
    html = comparison_report(result, exports="council")
    bundle = json.loads(comparison_bundle_json(result))
    sentences = headline_text(html)
    assert len(sentences) == len(POLICIES) == len(bundle["headline"])
    for sentence, fact in zip(sentences, bundle["headline"], strict=True):
        assert sentence.startswith(f"Under {fact['policy']} ")
        rate = fact["false_lead_search_rate"]["mean"]
        if fact["false_lead_searches_per_seed"] == 0:
            assert "no search put a wrong person" in sentence
            continue
        assert f"{pct(rate)} of searches put a wrong person" in sentence
        flagged = fact["others_share_of_falsely_flagged"]["mean"]
        searched = fact["others_share_of_searched"]["mean"]
        assert f"{pct(flagged)} of the people falsely flagged were people of color" in sentence
        assert f"who were {pct(searched)} of those searched" in sentence
    # The data agree with themselves: 120 of 600 searched are outside the white group.
    assert bundle["headline"][0]["others_share_of_searched"]["mean"] == pytest.approx(0.2)
    default = next(f for f in bundle["headline"] if f["policy"] == "rekognition-default")
    policy = next(
        p for p in bundle["comparison"]["policies"] if p["policy"] == "rekognition-default"
    )
    white_share = policy["metrics"]["shares"]["white"]["probes_with_false_lead"]["mean"]
    assert default["others_share_of_falsely_flagged"]["mean"] == pytest.approx(1 - white_share)


def test_sections_answer_one_question_each_and_no_title_is_repeated() -> None:
    html = comparison_report(comparison(), exports="council")
    headings = re.findall(r"<h2>(.*?)</h2>", html)
    assert headings[:4] == [
        "Workload: how many leads a reviewer must look at",
        "Wrongful leads: who was put in front of a reviewer",
        "Mates lost: people in the gallery the policy hid",
        "Disparities: each group against the reference",
    ]
    assert {"Glossary", "Method", "Data", "Sources"} <= set(headings)
    assert len(headings) == len(set(headings))
    for table in re.findall(r"<table>.*?</table>", html, re.DOTALL):
        titles = re.findall(r'<th scope="col">(.*?)</th>', table)
        assert len(titles) == len(set(titles)), titles
    assert "false match rate" in html and "ISO/IEC 19795-10" in html  # the glossary
    assert 'href="council.csv"' in html and 'href="council.json"' in html


def test_no_empty_chart_when_nobody_is_in_the_gallery() -> None:
    html = comparison_report(comparison(mated_share=0.0))
    mates = re.search(r"<h2>Mates lost.*?</section>", html, re.DOTALL)
    assert mates is not None
    assert "Nothing to show" in mates[0] and "<svg" not in mates[0]
    with_mates = comparison_report(comparison(mated_share=0.5))
    mates = re.search(r"<h2>Mates lost.*?</section>", with_mates, re.DOTALL)
    assert mates is not None and "<svg" in mates[0] and "Nothing to show" not in mates[0]


def test_the_group_of_five_is_never_the_reference_and_never_gets_a_ratio() -> None:
    result = comparison()
    assert result.reference == "white"  # the largest group, not the best-off one
    for policy in result.policies:
        for item in policy.metrics.disparities["indigenous"].values():
            assert item.ratio is None and item.status in {"too-few", "undefined"}
    html = comparison_report(result)
    assert "too few to compare" in html
    with pytest.raises(LeadreviewError, match=r"indigenous.*fewer than the 30"):
        comparison(rules=DisparityRules(reference="indigenous"))
    with pytest.raises(LeadreviewError, match="no such group"):
        comparison(rules=DisparityRules(reference="martian"))


def test_highlighted_only_where_the_interval_excludes_parity() -> None:
    result = comparison()
    default = next(p for p in result.policies if p.policy == "rekognition-default")
    black = default.metrics.disparities["black"]["false_lead_probe_rate"]
    assert black.highlight and black.direction == "worse"
    assert black.ratio is not None and black.ratio.low is not None and black.ratio.low > 1
    for policy in result.policies:
        for group in result.groups:
            for item in policy.metrics.disparities[group].values():
                if item.ratio is not None and item.ratio.low is not None:
                    spans_one = item.ratio.low <= 1 <= (item.ratio.high or 1)
                    assert item.highlight != spans_one


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


def sweep_result() -> Sweep:
    return sweep(
        [(s, council_batch(s, 0.4)) for s in range(2)],
        marks={"rekognition-default": 80.0, "amazon-police-95": 95.0,
               "amazon-documented-99": 99.0},
        rank_marks={"wcso-practice": 5}, scenario="council", sources=["ACLU 2018"],
    )  # fmt: skip


def test_sweep_report() -> None:
    result = sweep_result()
    html = sweep_report(result, exports="sweep")
    overall = result.curve("(all)")
    at_80 = result.thresholds.index(80.0)
    assert figure(overall.false_lead_rate[at_80], "per-search") in html
    assert "80 (rekognition-default)" in html
    for heading in ("FMR(T) by group", "FPIR(T)", "FNIR(T) and FNIR by list length"):
        assert heading in html
    assert html.count("<svg") == 4  # FMR, FPIR, FNIR(T), FNIR by rank
    assert "<svg" in html and "http" not in without_sources(html)


# Run in the page through DevTools: the report itself carries no script.
MEASURE = """(() => {
  const overlaps = [];
  let labels = 0;
  for (const svg of document.querySelectorAll('svg')) {
    const texts = [...svg.querySelectorAll('text')];
    const boxes = texts.map(t => t.getBoundingClientRect());
    labels += boxes.filter(b => b.width > 0).length;
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i], b = boxes[j];
      if (!a.width || !b.width) continue;
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 1 && h > 1) overlaps.push([texts[i].textContent, texts[j].textContent]);
    }
  }
  return {overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
          width: window.innerWidth, overlaps: overlaps, labels: labels,
          text: document.body.innerText.replace(/\\s+/g, ' ')};
})()"""


async def _look(url: str, port: int, out: Path) -> dict[int, dict[str, Any]]:
    """At each width: measure the page and take a full-page screenshot; then print it."""
    import aiohttp

    from tests.tui.cdp import page_session

    seen: dict[int, dict[str, Any]] = {}
    async with aiohttp.ClientSession() as http:
        cdp, ws = await page_session(http, port)
        try:
            for width in (1400, 390):
                await cdp.call(
                    "Emulation.setDeviceMetricsOverride",
                    width=width, height=900, deviceScaleFactor=1, mobile=width < 600,
                )  # fmt: skip
                await cdp.call("Page.navigate", url=url)
                for _ in range(100):
                    if await cdp.evaluate("document.readyState") == "complete":
                        break
                    await asyncio.sleep(0.1)
                seen[width] = await cdp.evaluate(MEASURE)
                shot = await cdp.call(
                    "Page.captureScreenshot", format="png", captureBeyondViewport=True
                )
                (out / f"shot-{width}.png").write_bytes(base64.b64decode(shot["data"]))
            await cdp.call("Emulation.clearDeviceMetricsOverride")
            pdf = await cdp.call("Page.printToPDF", printBackground=True)
            (out / "report.pdf").write_bytes(base64.b64decode(pdf["data"]))
        finally:
            await ws.close()
    return seen


@needs_chromium
@pytest.mark.parametrize("kind", ["compare", "sweep"])
def test_the_report_in_headless_chromium_at_two_widths_and_in_print(
    tmp_path: Path, kind: str
) -> None:
    if kind == "compare":
        result = comparison(mated_share=0.3)
        html = comparison_report(result, exports="report")
        expected = [f.sentence for f in headline_facts(result)]
    else:
        html = sweep_report(sweep_result(), exports="report")
        expected = [s.replace("&amp;", "&") for s in headline_text(html)]
    page = tmp_path / "report.html"
    page.write_text(html, encoding="utf-8")
    with chromium_devtools(tmp_path / "profile") as port:
        seen = asyncio.run(_look(page.as_uri(), port, tmp_path))
    for width, measured in seen.items():
        assert measured["width"] == width
        for sentence in expected:
            assert sentence in measured["text"], width
        assert measured["overflow"] == 0, measured["overflow"]  # never sideways scrolling
        assert measured["labels"] > 50  # the charts' labels were measured, as text
        assert measured["overlaps"] == [], measured["overlaps"]  # no label over another
        shot = tmp_path / f"shot-{width}.png"
        assert shot.read_bytes().startswith(b"\x89PNG")
        assert shot.stat().st_size > 50_000  # tables and charts, not a blank page
    data = (tmp_path / "report.pdf").read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) >= 2
