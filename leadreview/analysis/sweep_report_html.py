"""The threshold-sweep report: the regulators' curves, each with its table.

FMR(T) on a log scale per group (NIST IR 8280), FPIR(T), FNIR(T) and FNIR against the
candidate-list length, each chart followed by a table at the thresholds that matter
(the usual ones and every policy's), with 95% intervals. A curve that cannot be drawn
(no mated searches, no gallery size) is replaced by a sentence saying why.
"""

from html import escape

from leadreview.analysis.formatting import figure
from leadreview.analysis.glossary import CITATIONS, glossary_html
from leadreview.analysis.headline import pct
from leadreview.analysis.intervals import Estimate
from leadreview.analysis.report_html import (
    chart_html,
    footer_text,
    row_html,
    table_html,
    value_cell,
)
from leadreview.analysis.report_template import Section, page
from leadreview.analysis.sweep import Sweep
from leadreview.analysis.tallies import OVERALL


def _at(sweep: Sweep, threshold: float) -> int:
    return min(range(len(sweep.thresholds)), key=lambda i: abs(sweep.thresholds[i] - threshold))


def _cell(est: Estimate | None, unit: str) -> str:
    return value_cell(est, unit)


def _defined(sweep: Sweep, metric: str) -> bool:
    return any(e.mean is not None for c in sweep.curves for e in getattr(c, metric))


def _group_headers(sweep: Sweep) -> list[str]:
    return ["all searches" if c.group == OVERALL else c.group for c in sweep.curves]


def threshold_table(sweep: Sweep, metric: str, unit: str, caption: str) -> str:
    """One row per threshold that matters, one column per group."""
    from leadreview.analysis.sweep_export import table_rows

    marks = {t: n for n, t in sweep.marks.items()}
    rows = []
    for i in table_rows(sweep):
        t = sweep.thresholds[i]
        if metric == "fmr" and t < (sweep.fmr_exact_from or 0.0):
            continue  # a lower bound only: some impostors fell off the candidate lists
        label = f"{t:g}" + (f" ({marks[t]})" if t in marks else "")
        cells = []
        for curve in sweep.curves:
            if metric == "fmr":
                est: Estimate | None = sweep.fmr(curve.false_lead_rate[i])
            else:
                values = getattr(curve, metric)
                est = values[i] if values else None
            cells.append(_cell(est, unit))
        rows.append(row_html(label, cells))
    return table_html(["threshold", *_group_headers(sweep)], rows, caption)


def rank_table(sweep: Sweep) -> str:
    marks = {r: n for n, r in sweep.rank_marks.items()}
    rows = [
        row_html(
            f"{rank}" + (f" ({marks[rank]})" if rank in marks else ""),
            [_cell(c.fnir_by_rank[r] if c.fnir_by_rank else None, "percent") for c in sweep.curves],
        )
        for r, rank in enumerate(sweep.ranks)
    ]
    return table_html(["list length R", *_group_headers(sweep)], rows, "FNIR with no threshold")


def sweep_headline(sweep: Sweep) -> str:
    overall = sweep.curve(OVERALL)
    parts = []
    for name, threshold in sorted(sweep.marks.items(), key=lambda item: item[1]):
        i = _at(sweep, threshold)
        false = overall.false_lead_rate[i]
        sentence = (
            f"At {threshold:g} ({name}): {figure(false, 'per-search')} false leads per search"
        )
        fpir = overall.fpir[i] if overall.fpir else None
        if fpir is not None and fpir.mean is not None:
            sentence += f"; {pct(fpir.mean)} of people not in the gallery were handed a lead"
        miss = overall.mate_miss_rate[i]
        if miss.mean is not None:
            sentence += f"; {pct(miss.mean)} of people in the gallery were missed"
        parts.append(f'<p data-threshold="{threshold:g}">{escape(sentence)}.</p>')
    if not parts:
        parts.append("<p>No policy threshold was marked on this sweep.</p>")
    return "\n".join(parts)


def _fmr_note(sweep: Sweep) -> str:
    if not sweep.gallery_size:
        return "The gallery size is not known for these searches, so FMR cannot be computed."
    exact = sweep.fmr_exact_from or 0.0
    return (
        f"FMR(T) is false leads per search over the gallery of {sweep.gallery_size:,} faces. "
        "Only impostors in the candidate lists are seen, so it is drawn from "
        f"T = {exact:.1f} up, where no list cut off a higher score; below that it would "
        "be a lower bound."
    )


def sweep_report(sweep: Sweep, exports: str | None = None) -> str:
    from leadreview.analysis.sweep_charts import fmr_figure, rank_figure, rate_figure

    has_mated = any(e.mean is not None for e in sweep.curve(OVERALL).mate_miss_rate)
    no_mates = (
        "Nothing to show: nobody searched in this scenario is in the gallery (every search "
        "is non-mated), so no mate can be missed."
    )
    leads = "all returned leads" if sweep.max_candidates is None else f"top {sweep.max_candidates}"
    fmr = chart_html(fmr_figure(sweep), _fmr_note(sweep), _fmr_note(sweep))
    if sweep.gallery_size:
        fmr += threshold_table(
            sweep, "fmr", "sci", "FMR(T) by group, from the threshold where it is exact"
        )
    sections = [
        Section("False matches: FMR(T) by group", fmr),
        Section(
            "People not in the gallery handed a lead: FPIR(T)",
            chart_html(
                rate_figure(
                    sweep,
                    "fpir",
                    "FPIR (%)",
                    "Non-mated searches with a lead at or above T, by group",
                ),
                "Lines: share of non-mated searches; bands: 95% intervals; markers: the "
                "policies' thresholds.",
                "Nothing to show: every search in this scenario is mated.",
            )
            + (
                threshold_table(sweep, "fpir", "percent", "FPIR(T) by group")
                if _defined(sweep, "fpir")
                else ""
            ),
        ),
        Section(
            "False leads per search",
            threshold_table(sweep, "false_lead_rate", "per-search", "False leads per search"),
        ),
        Section(
            "Mates lost: FNIR(T) and FNIR by list length",
            chart_html(
                rate_figure(
                    sweep,
                    "mate_miss_rate",
                    "FNIR (%)",
                    "Mated searches whose mate is not shown at T, by group",
                ),
                "A mate is missed when it scores below T or was not returned at all.",
                no_mates,
            )
            + (threshold_table(sweep, "mate_miss_rate", "percent", "FNIR(T)") if has_mated else "")
            + chart_html(
                rank_figure(sweep),
                "FNIR against candidate-list length R, with no threshold; markers: the "
                "policies' list lengths.",
                no_mates,
            )
            + (rank_table(sweep) if has_mated else ""),
        ),
        Section("Glossary", glossary_html()),
        Section(
            "Method",
            f'<p class="note">{len(sweep.seeds)} run(s). Each threshold is applied to the '
            f"same searches ({escape(leads)}). Intervals: {escape(sweep.interval_method)}. "
            f"{escape(_fmr_note(sweep))}</p>",
        ),
    ]
    if exports:
        sections.append(
            Section(
                "Data",
                f'<p>Every number on this page, in files beside it: <a href="{escape(exports)}'
                f'.csv">{escape(exports)}.csv</a> (per threshold and group), <a href="'
                f'{escape(exports)}.ranks.csv">{escape(exports)}.ranks.csv</a> (per list '
                f'length) and <a href="{escape(exports)}.json">{escape(exports)}.json</a>.</p>',
            )
        )
    return page(
        title=f"Threshold sweep — {sweep.scenario}",
        subtitle=f"Thresholds {sweep.thresholds[0]:g}–{sweep.thresholds[-1]:g}, "
        f"{len(sweep.seeds)} run(s).",
        headline_html=sweep_headline(sweep),
        sections=sections,
        sources=[*sweep.sources, *CITATIONS],
        footer=footer_text(),
    )
