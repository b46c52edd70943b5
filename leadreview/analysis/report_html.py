"""Self-contained HTML reports of a comparison or a sweep.

Each report is a headline, sections (tables and inline SVG charts) and the sources, laid
out by `report_template.page`. Every string from a scenario, policy or profile file is
escaped here before it reaches the page. The audit-log report will be one more function
of the same shape: build `Section`s from the log's read models and call `page`.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape

from leadreview.analysis.compare_models import Comparison, MetricTable, PolicyResult
from leadreview.analysis.formatting import DASH, figure, interval, number, threshold_text
from leadreview.analysis.intervals import Estimate
from leadreview.analysis.report_template import Section, page
from leadreview.analysis.sweep import Sweep
from leadreview.analysis.tallies import OVERALL

# A group is flagged when its rate is at least this many times the best-off group's.
FLAG_RATIO = 1.25
POLICY_KEYS = (
    "leads_per_search",
    "hit_rate",
    "false_leads_shown",
    "false_leads_per_search",
    "probes_with_false_lead",
    "false_lead_probe_rate",
    "mates_lost",
    "mate_loss_rate",
)
REVIEWER_KEYS = (
    "leads_forwarded",
    "forwards_per_search",
    "wrongful_forwards",
    "wrongful_forward_search_rate",
    "mate_forward_rate",
)
GROUP_KEYS = ("false_lead_probe_rate", "false_leads_per_search", "hit_rate", "mate_loss_rate")


def _value_cell(est: Estimate | None, unit: str) -> str:
    if est is None or est.mean is None:
        return f"<td>{DASH}</td>"
    bounds = interval(est, unit)
    ci = f'<span class="ci">{escape(bounds)}</span>' if bounds else ""
    return f"<td>{escape(number(est.mean, unit))}{ci}</td>"


def _ratio_span(ratio: Estimate | None, is_best: bool) -> str:
    if ratio is None or ratio.mean is None:
        return ""
    flag = " high" if ratio.mean >= FLAG_RATIO or ratio.mean <= 1 / FLAG_RATIO else ""
    text = "best-off group" if is_best else figure(ratio, "ratio")
    return f'<span class="ratio{flag}">{escape(text)}</span>'


def _table(headers: Sequence[str], rows: list[str]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _row(first: str, cells: Sequence[str]) -> str:
    return f"<tr><td>{escape(first)}</td>{''.join(cells)}</tr>"


def policy_table_html(comparison: Comparison) -> str:
    headers = ["policy", "threshold", "max leads"]
    headers += [comparison.metric(k).label for k in POLICY_KEYS]
    rows = []
    for result in comparison.policies:
        cells = [
            f"<td>{escape(threshold_text(result.threshold))}</td>",
            f"<td>{'all' if result.max_candidates is None else result.max_candidates}</td>",
            *(
                _value_cell(result.metrics.overall.get(k), comparison.metric(k).unit)
                for k in POLICY_KEYS
            ),
        ]
        rows.append(_row(result.policy, cells))
    return _table(headers, rows)


def reviewer_table_html(comparison: Comparison) -> str:
    headers = ["policy", "reviewer"] + [comparison.metric(k).label for k in REVIEWER_KEYS]
    rows = []
    for result in comparison.policies:
        for reviewer in result.reviewers:
            cells = [f"<td>{escape(reviewer.profile)}</td>"] + [
                _value_cell(reviewer.metrics.overall.get(k), comparison.metric(k).unit)
                for k in REVIEWER_KEYS
            ]
            rows.append(_row(result.policy, cells))
    return _table(headers, rows)


def _group_cell(comparison: Comparison, table: MetricTable, group: str, key: str) -> str:
    unit = comparison.metric(key).unit
    est = table.by_group[group].get(key)
    if est is None or est.mean is None:
        return f"<td>{DASH}</td>"
    bounds = interval(est, unit)
    ci = f'<span class="ci">{escape(bounds)}</span>' if bounds else ""
    ratio = _ratio_span(table.ratio_to_best[group].get(key), table.best_group.get(key) == group)
    return f"<td>{escape(number(est.mean, unit))}{ci}{ratio}</td>"


def group_table_html(comparison: Comparison, result: PolicyResult) -> str:
    headers = ["group", "share of probes", "share of probes with a false lead",
               "share of false leads shown"]  # fmt: skip
    headers += [comparison.metric(k).label for k in GROUP_KEYS]
    headers += [f"wrongful forwards per search ({r.profile})" for r in result.reviewers]
    rows = []
    for group in comparison.groups:
        shares = result.metrics.shares[group]
        cells = [
            _value_cell(comparison.probe_share.get(group), "percent"),
            _value_cell(shares.get("probes_with_false_lead"), "percent"),
            _value_cell(shares.get("false_leads_shown"), "percent"),
            *(_group_cell(comparison, result.metrics, group, k) for k in GROUP_KEYS),
            *(
                _group_cell(comparison, r.metrics, group, "wrongful_forwards_per_search")
                for r in result.reviewers
            ),
        ]
        rows.append(_row(group, cells))
    return _table(headers, rows)


def _most_over_represented(comparison: Comparison, result: PolicyResult) -> str | None:
    """The group whose share of false-lead probes most exceeds its share of probes."""
    best, best_gap = None, 1.0
    for group in comparison.groups:
        share = result.metrics.shares[group].get("probes_with_false_lead")
        probes = comparison.probe_share.get(group)
        if share is None or share.mean is None or probes is None or not probes.mean:
            continue
        if share.mean / probes.mean > best_gap:
            best, best_gap = group, share.mean / probes.mean
    return best


def comparison_headline(comparison: Comparison) -> str:
    parts = []
    for result in comparison.policies:
        o = result.metrics.overall
        sentence = (
            f"Under <strong>{escape(result.policy)}</strong> (threshold "
            f"{escape(threshold_text(result.threshold))}), "
            f"{escape(figure(o['false_lead_probe_rate'], 'percent'))} of searches showed at "
            f"least one wrong person ({escape(figure(o['probes_with_false_lead'], 'count'))} "
            f"of {escape(figure(o['searches'], 'count'))})"
        )
        if o["hit_rate"].defined:
            sentence += (
                f"; {escape(figure(o['hit_rate'], 'percent'))} of mated searches showed the "
                f"true mate and {escape(figure(o['mates_lost'], 'count'))} returned mates "
                "were filtered out"
            )
        group = _most_over_represented(comparison, result)
        if group is not None:
            share = result.metrics.shares[group]["probes_with_false_lead"]
            sentence += (
                f". Probes of the <strong>{escape(group)}</strong> group were "
                f"{escape(figure(comparison.probe_share[group], 'percent'))} of probes but "
                f"{escape(figure(share, 'percent'))} of the probes with a false lead"
            )
        parts.append(f"<p>{sentence}.</p>")
    return "\n".join(parts)


def _chart(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>"


def _comparison_charts(comparison: Comparison) -> str:
    from leadreview.analysis.chart_output import inline_svg
    from leadreview.analysis.compare_charts import (
        burden_figure,
        false_leads_figure,
        mates_figure,
        reviewers_figure,
    )

    note = "Error bars: " + comparison.interval_method + "." if len(comparison.seeds) > 1 else ""
    charts = [
        (false_leads_figure(comparison), "Searches with at least one false lead. " + note),
        (
            burden_figure(comparison),
            "Each group's share of probes against its share of the "
            "probes with a false lead (the ACLU's 39% against 20%). " + note,
        ),
        (mates_figure(comparison), "Hit rate by group. " + note),
        (reviewers_figure(comparison), "Simulated reviewers under each policy. " + note),
    ]
    return "\n".join(_chart(inline_svg(fig), caption) for fig, caption in charts if fig)


def _method(comparison: Comparison, seeds_text: str) -> str:
    items = "".join(
        f"<li><strong>{escape(m.label)}</strong>: {escape(m.description)}</li>"
        for m in comparison.metrics
    )
    return (
        f'<p class="note">{escape(seeds_text)} Searches were run once per seed, with no '
        "threshold, and every policy and reviewer profile was applied to the same leads. "
        "Ratios compare each group with the best-off group for that metric (×1.00 = the "
        "same); a group without any of a harm is the best-off group, and where a per-seed "
        "ratio is undefined the ratio of the means is shown without an interval.</p>"
        f"<ul>{items}</ul>"
    )


def _seeds_text(seeds: list[int], method: str) -> str:
    if len(seeds) == 1:
        return f"One seed ({seeds[0]}): no intervals."
    return f"{len(seeds)} seeds ({seeds[0]}–{seeds[-1]}); figures are means with a {method}."


def _footer() -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"Generated by leadreview on {stamp}. Synthetic identities only."


def comparison_report(comparison: Comparison, charts: bool = True) -> str:
    seeds_text = _seeds_text(comparison.seeds, comparison.interval_method)
    sections = [Section("Policies", policy_table_html(comparison))]
    if any(r.reviewers for r in comparison.policies):
        sections.append(Section("Reviewers", reviewer_table_html(comparison)))
    if charts:
        sections.append(Section("Charts", _comparison_charts(comparison)))
    for result in comparison.policies:
        sections.append(
            Section(f"By group — {result.policy}", group_table_html(comparison, result))
        )
    sections.append(Section("Method", _method(comparison, seeds_text)))
    return page(
        title=f"Policy comparison — {comparison.scenario}",
        subtitle=f"{len(comparison.policies)} policies, use case {comparison.use_case}. "
        + seeds_text,
        headline_html=comparison_headline(comparison),
        sections=sections,
        sources=comparison.sources,
        footer=_footer(),
    )


def _sweep_at(sweep: Sweep, threshold: float) -> int:
    return min(range(len(sweep.thresholds)), key=lambda i: abs(sweep.thresholds[i] - threshold))


def sweep_headline(sweep: Sweep) -> str:
    overall = sweep.curve(OVERALL)
    parts = []
    for name, threshold in sorted(sweep.marks.items(), key=lambda item: item[1]):
        i = _sweep_at(sweep, threshold)
        miss = overall.mate_miss_rate[i]
        sentence = (
            f"At <strong>{escape(f'{threshold:g}')}</strong> ({escape(name)}): "
            f"{escape(figure(overall.false_lead_rate[i], 'per-search'))} false leads per search"
        )
        if miss.defined:
            sentence += f", {escape(figure(miss, 'percent'))} of mated searches miss their mate"
        parts.append(f"<p>{sentence}.</p>")
    if not parts:
        parts.append("<p>No policy threshold was marked on this sweep.</p>")
    return "\n".join(parts)


def sweep_table_html(sweep: Sweep, metric: str, unit: str) -> str:
    """One row per threshold that matters, one column per group."""
    from leadreview.analysis.sweep_export import table_rows

    headers = ["threshold"] + [
        "all searches" if c.group == OVERALL else c.group for c in sweep.curves
    ]
    marks = {t: n for n, t in sweep.marks.items()}
    rows = []
    for i in table_rows(sweep):
        t = sweep.thresholds[i]
        label = f"{t:g}" + (f" ({marks[t]})" if t in marks else "")
        rows.append(_row(label, [_value_cell(getattr(c, metric)[i], unit) for c in sweep.curves]))
    return _table(headers, rows)


def sweep_report(sweep: Sweep) -> str:
    from leadreview.analysis.chart_output import inline_svg
    from leadreview.analysis.sweep_charts import sweep_figure

    seeds_text = _seeds_text(sweep.seeds, sweep.interval_method)
    chart = _chart(
        inline_svg(sweep_figure(sweep)),
        "Left: false leads shown per search (log scale). Right: mated searches whose true "
        "mate is not shown. Dotted lines: the policies' thresholds.",
    )
    leads = "all returned leads" if sweep.max_candidates is None else f"top {sweep.max_candidates}"
    sections = [
        Section("Chart", chart),
        Section(
            "False leads per search, by group",
            sweep_table_html(sweep, "false_lead_rate", "per-search"),
        ),
        Section(
            "Method",
            f'<p class="note">{escape(seeds_text)} Each threshold is applied to the same '
            f"searches ({escape(leads)}). A mate is missed when it scores below the "
            "threshold or was not returned at all.</p>",
        ),
    ]
    if sweep.curve(OVERALL).mate_miss_rate[0].defined:
        sections.insert(
            2,
            Section(
                "Mated searches missing their mate, by group",
                sweep_table_html(sweep, "mate_miss_rate", "percent"),
            ),
        )
    return page(
        title=f"Threshold sweep — {sweep.scenario}",
        subtitle=f"Thresholds {sweep.thresholds[0]:g}–{sweep.thresholds[-1]:g}. {seeds_text}",
        headline_html=sweep_headline(sweep),
        sections=sections,
        sources=sweep.sources,
        footer=_footer(),
    )
