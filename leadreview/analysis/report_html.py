"""The comparison report: plain words first, then one section per question.

The first screen says what happened under each policy in sentences (`headline`); then
workload, wrongful leads, mates lost and disparities, each chart beside the table that
holds its numbers; then the glossary, the method and the sources. A chart with nothing
to show is replaced by a sentence saying why. Every string from a scenario, policy or
profile file is escaped here before it reaches the page; every number is also in the
JSON and CSV written beside the page (`report_exports`).
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING

from leadreview.analysis.compare_models import Comparison, MetricTable, PolicyResult
from leadreview.analysis.disparity import Disparity
from leadreview.analysis.formatting import DASH, interval, number, threshold_text
from leadreview.analysis.glossary import CITATIONS, glossary_html
from leadreview.analysis.headline import HeadlineFact, headline_facts
from leadreview.analysis.intervals import Estimate
from leadreview.analysis.report_template import Section, page
from leadreview.analysis.tallies import OVERALL

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Disparity tables: the rates a council asks about, per policy.
DISPARITY_KEYS = ("false_lead_probe_rate", "false_leads_per_search", "hit_rate", "mate_loss_rate")


def value_cell(est: Estimate | None, unit: str) -> str:
    if est is None or est.mean is None:
        return f"<td>{DASH}</td>"
    bounds = interval(est, unit)
    ci = f'<span class="ci">{escape(bounds)}</span>' if bounds else ""
    return f"<td>{escape(number(est.mean, unit))}{ci}</td>"


def table_html(headers: Sequence[str], rows: list[str], caption: str = "") -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return (
        f'<div class="scroll"><table>{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def row_html(first: str, cells: Sequence[str]) -> str:
    return f'<tr><th scope="row">{escape(first)}</th>{"".join(cells)}</tr>'


def chart_html(fig: "Figure | None", caption: str, empty_reason: str) -> str:
    """The chart as inline SVG, or the reason there is none: never an empty chart."""
    if fig is None:
        return f'<p class="empty">{escape(empty_reason)}</p>'
    from leadreview.analysis.chart_output import inline_svg

    return f"<figure>{inline_svg(fig)}<figcaption>{escape(caption)}</figcaption></figure>"


def _policy_cells(comparison: Comparison, table: MetricTable, keys: Sequence[str]) -> list[str]:
    return [value_cell(table.overall.get(k), comparison.metric(k).unit) for k in keys]


def _headers(comparison: Comparison, keys: Sequence[str]) -> list[str]:
    return [comparison.metric(k).label for k in keys]


def workload_section(comparison: Comparison) -> Section:
    from leadreview.analysis.compare_charts import workload_figure

    keys = ("searches", "leads_per_search", "false_leads_per_search")
    rows = []
    for result in comparison.policies:
        leads = "all" if result.max_candidates is None else str(result.max_candidates)
        cells = [f"<td>{escape(threshold_text(result.threshold))}</td>", f"<td>{leads}</td>"]
        rows.append(
            row_html(result.policy, cells + _policy_cells(comparison, result.metrics, keys))
        )
    body = chart_html(
        workload_figure(comparison),
        "Bars: per search, over all searches; whiskers: 95% intervals.",
        "",
    ) + table_html(["policy", "threshold", "most leads shown", *_headers(comparison, keys)], rows)
    reviewer_rows = [
        row_html(
            result.policy,
            [
                f"<td>{escape(r.profile)}</td>",
                *_policy_cells(comparison, r.metrics, ("forwards_per_search", "leads_forwarded")),
            ],
        )
        for result in comparison.policies
        for r in result.reviewers
    ]
    if reviewer_rows:
        body += table_html(
            [
                "policy",
                "reviewer",
                *_headers(comparison, ("forwards_per_search", "leads_forwarded")),
            ],
            reviewer_rows,
            "What simulated reviewers forwarded as possible leads",
        )
    return Section("Workload: how many leads a reviewer must look at", body)


def wrongful_section(comparison: Comparison) -> Section:
    from leadreview.analysis.compare_charts import (
        burden_figure,
        false_leads_figure,
        reviewers_figure,
    )

    keys = ("probes_with_false_lead", "false_lead_probe_rate", "false_leads_shown")
    rows = [
        row_html(r.policy, _policy_cells(comparison, r.metrics, keys)) for r in comparison.policies
    ]
    body = chart_html(
        false_leads_figure(comparison),
        "Searches that showed at least one wrong person, by group; whiskers: 95% intervals.",
        "",
    ) + table_html(["policy", *_headers(comparison, keys)], rows)
    share_headers = ["group", "share of searches"] + [
        f"share of false-lead searches, {r.policy}" for r in comparison.policies
    ]
    share_rows = [
        row_html(
            group,
            [value_cell(comparison.probe_share.get(group), "percent")]
            + [
                value_cell(r.metrics.shares[group].get("probes_with_false_lead"), "percent")
                for r in comparison.policies
            ],
        )
        for group in comparison.groups
    ]
    body += chart_html(
        burden_figure(comparison),
        "Each group's share of all searches against its share of the searches that showed "
        "a wrong person (the ACLU's 39% against 20%).",
        "",
    ) + table_html(share_headers, share_rows)
    reviewer_keys = ("wrongful_forward_search_rate", "wrongful_forwards")
    reviewer_rows = [
        row_html(
            r.policy,
            [f"<td>{escape(v.profile)}</td>", *_policy_cells(comparison, v.metrics, reviewer_keys)],
        )
        for r in comparison.policies
        for v in r.reviewers
    ]
    if reviewer_rows:
        body += chart_html(
            reviewers_figure(comparison),
            "Searches in which a simulated reviewer forwarded a wrong person.",
            "",
        ) + table_html(["policy", "reviewer", *_headers(comparison, reviewer_keys)], reviewer_rows)
    return Section("Wrongful leads: who was put in front of a reviewer", body)


def mates_section(comparison: Comparison) -> Section:
    from leadreview.analysis.compare_charts import has_mated, mates_figure

    if not has_mated(comparison):
        return Section(
            "Mates lost: people in the gallery the policy hid",
            '<p class="empty">Nothing to show: in this scenario nobody searched is in the '
            "gallery (every search is non-mated), so there is no true mate to find or to "
            "lose. Run a scenario with mated probes (such as wcso-cctv) to see this.</p>",
        )
    keys = ("hit_rate", "mates_lost", "mate_loss_rate")
    rows = [
        row_html(r.policy, _policy_cells(comparison, r.metrics, keys)) for r in comparison.policies
    ]
    mate_rows = [
        row_html(
            r.policy,
            [
                f"<td>{escape(v.profile)}</td>",
                *_policy_cells(comparison, v.metrics, ("mate_forward_rate",)),
            ],
        )
        for r in comparison.policies
        for v in r.reviewers
    ]
    body = chart_html(
        mates_figure(comparison),
        "Returned true mates that each policy filtered out, by group; whiskers: 95% intervals.",
        "",
    ) + table_html(["policy", *_headers(comparison, keys)], rows)
    if mate_rows:
        body += table_html(
            ["policy", "reviewer", comparison.metric("mate_forward_rate").label],
            mate_rows,
            "True mates simulated reviewers forwarded",
        )
    return Section("Mates lost: people in the gallery the policy hid", body)


def _reference_words(comparison: Comparison) -> str:
    if comparison.reference is None:
        return "no group (none had enough searches)"
    if comparison.reference == OVERALL:
        return "all searches together"
    return f"the {comparison.reference} group"


def disparity_cells(item: Disparity | None, unit: str) -> list[str]:
    """Ratio, difference and a verdict in words (never colour alone)."""
    if item is None:
        return [f"<td>{DASH}</td>"] * 3
    if item.status != "compared":
        words = {
            "reference": "reference",
            "too-few": "too few to compare",
            "no-reference": "reference too small",
            "undefined": "no searches",
        }[item.status]
        return [f"<td>{DASH}</td>", f"<td>{DASH}</td>", f'<td class="verdict">{words}</td>']
    diff_unit = "points" if unit == "percent" else "signed"
    verdict = {"worse": "▲ worse, beyond chance", "better": "▼ better, beyond chance"}.get(
        item.direction or "", "within chance"
    )
    cls = f"verdict {item.direction}" if item.highlight else "verdict"
    return [
        value_cell(item.ratio, "ratio"),
        value_cell(item.difference, diff_unit),
        f'<td class="{cls}">{escape(verdict)}</td>',
    ]


def disparity_table(comparison: Comparison, result: PolicyResult, key: str) -> str:
    unit = comparison.metric(key).unit
    rows = []
    for group in comparison.groups:
        est = result.metrics.by_group[group].get(key)
        units = "" if est is None or est.units is None else f"{est.units:,.0f}"
        item = result.metrics.disparities[group].get(key)
        cells = [f"<td>{units}</td>", value_cell(est, unit), *disparity_cells(item, unit)]
        rows.append(row_html(group, cells))
    return table_html(
        ["group", "units", comparison.metric(key).label, "ratio to reference",
         "difference", "verdict"],
        rows,
        f"{result.policy} (threshold {threshold_text(result.threshold)}): "
        f"{comparison.metric(key).description}",
    )  # fmt: skip


def disparities_section(comparison: Comparison) -> Section:
    from leadreview.analysis.compare_charts import forest_figure

    body = (
        f'<p class="note">Each group against {escape(_reference_words(comparison))}. '
        f"{escape(comparison.disparity_method)} ‘Units’ are the searches (mated searches "
        "for a hit rate, returned mates for mates lost) pooled over every seed.</p>"
    )
    for key in DISPARITY_KEYS:
        spec = comparison.metric(key)
        if not any(p.metrics.overall[key].defined for p in comparison.policies):
            continue
        body += f"<h3>{escape(spec.label)}</h3>"
        body += chart_html(
            forest_figure(comparison, key, comparison.parity_band),
            "Ratio to the reference, with 95% intervals (log scale). Filled diamonds: the "
            "interval excludes parity; hollow circles: it does not.",
            "No group could be compared with the reference for this figure (too few "
            "searches, or no reference group large enough).",
        )
        body += "".join(disparity_table(comparison, r, key) for r in comparison.policies)
    return Section("Disparities: each group against the reference", body)


def headline_html(facts: list[HeadlineFact]) -> str:
    return "\n".join(f'<p data-policy="{escape(f.policy)}">{escape(f.sentence)}</p>' for f in facts)


def _seeds_text(seeds: list[int]) -> str:
    if len(seeds) == 1:
        return f"One run (seed {seeds[0]})."
    return f"{len(seeds)} runs (seeds {seeds[0]}–{seeds[-1]})."


def footer_text() -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"Generated by leadreview on {stamp}. Synthetic identities only."


def method_html(comparison: Comparison) -> str:
    items = "".join(
        f"<li><strong>{escape(m.label)}</strong>: {escape(m.description)}</li>"
        for m in comparison.metrics
    )
    return (
        f'<p class="note">{escape(_seeds_text(comparison.seeds))} Searches were run once '
        "per seed, with no threshold, and every policy and reviewer profile was applied to "
        f"the same leads. Intervals: {escape(comparison.interval_method)}. "
        f"{escape(comparison.disparity_method)}</p><ul>{items}</ul>"
    )


def exports_html(stem: str | None) -> str:
    if not stem:
        return (
            '<p class="note">Every number here is in <code>--format json</code> and '
            "<code>--format csv</code> of <code>leadreview compare</code>.</p>"
        )
    return (
        f'<p>Every number on this page, in files beside it: <a href="{escape(stem)}.csv">'
        f"{escape(stem)}.csv</a> (one row per policy, reviewer, group and metric) and "
        f'<a href="{escape(stem)}.json">{escape(stem)}.json</a> (the headline\'s figures '
        "and the full comparison).</p>"
    )


def comparison_report(
    comparison: Comparison, charts: bool = True, exports: str | None = None
) -> str:
    """The whole page; `exports` is the file stem of the CSV/JSON written beside it."""
    del charts  # every section carries its chart; kept for callers of the old signature
    sections = [
        workload_section(comparison),
        wrongful_section(comparison),
        mates_section(comparison),
        disparities_section(comparison),
        Section("Glossary", glossary_html()),
        Section("Method", method_html(comparison)),
        Section("Data", exports_html(exports)),
    ]
    return page(
        title=f"Policy comparison — {comparison.scenario}",
        subtitle=f"{len(comparison.policies)} policies, use case {comparison.use_case}. "
        + _seeds_text(comparison.seeds),
        headline_html=headline_html(headline_facts(comparison)),
        sections=sections,
        sources=[*comparison.sources, *CITATIONS],
        footer=footer_text(),
    )
