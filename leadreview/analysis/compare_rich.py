"""A comparison as rich tables for the terminal: policies, reviewers, then each policy by group."""

from rich.table import Table
from rich.text import Text

from leadreview.analysis.compare_models import Comparison, MetricTable, PolicyResult
from leadreview.analysis.disparity import Disparity
from leadreview.analysis.formatting import DASH, interval, number, threshold_text
from leadreview.analysis.intervals import Estimate
from leadreview.analysis.tallies import OVERALL

POLICY_COLUMNS = (
    "searches", "leads_per_search", "hit_rate", "false_leads_shown", "false_leads_per_search",
    "probes_with_false_lead", "mates_lost",
)  # fmt: skip
REVIEWER_COLUMNS = (
    "leads_forwarded", "forwards_per_search", "wrongful_forwards",
    "wrongful_forward_search_rate", "mate_forward_rate",
)  # fmt: skip
GROUP_RATES = ("hit_rate", "false_leads_per_search", "false_lead_probe_rate", "mate_loss_rate")
# Short headers: the group tables must fit a terminal of about 120 columns.
SHORT = {
    "hit_rate": "hit rate",
    "false_leads_per_search": "false leads /search",
    "false_lead_probe_rate": "searches with false lead",
    "mate_loss_rate": "returned mates lost",
    "wrongful_forwards_per_search": "wrongful fwd /search",
}


def value_text(est: Estimate | None, unit: str, ratio: str = "", flag: bool = False) -> Text:
    """The mean, its interval dimmed on a second line, and a ratio on a third."""
    if est is None or est.mean is None:
        return Text(DASH)
    text = Text(number(est.mean, unit))
    bounds = interval(est, unit)
    if bounds:
        text.append("\n" + bounds, style="dim")
    if ratio:
        text.append("\n" + ratio, style="bold red" if flag else "")
    return text


def _cell(comparison: Comparison, table: MetricTable, key: str) -> Text:
    return value_text(table.overall.get(key), comparison.metric(key).unit)


def policy_table(comparison: Comparison) -> Table:
    table = Table(title=f"Policies — {comparison.scenario} ({_seeds_note(comparison)})")
    table.add_column("policy", style="bold")
    table.add_column("threshold", justify="right")
    for key in POLICY_COLUMNS:
        table.add_column(comparison.metric(key).label, justify="right")
    for result in comparison.policies:
        table.add_row(
            result.policy,
            threshold_text(result.threshold),
            *(_cell(comparison, result.metrics, key) for key in POLICY_COLUMNS),
        )
    return table


def reviewer_table(comparison: Comparison) -> Table:
    table = Table(title="Reviewers: what they forwarded under each policy")
    table.add_column("policy", style="bold")
    table.add_column("reviewer")
    for key in REVIEWER_COLUMNS:
        table.add_column(comparison.metric(key).label, justify="right")
    for result in comparison.policies:
        for reviewer in result.reviewers:
            table.add_row(
                result.policy,
                reviewer.profile,
                *(_cell(comparison, reviewer.metrics, key) for key in REVIEWER_COLUMNS),
            )
    return table


def _with_ratio(comparison: Comparison, table: MetricTable, group: str, key: str) -> Text:
    est = table.by_group[group].get(key)
    item = table.disparities[group].get(key)
    if item is None:
        return value_text(est, comparison.metric(key).unit)
    return value_text(est, comparison.metric(key).unit, disparity_text(item), item.highlight)


def disparity_text(item: Disparity) -> str:
    """The ratio with a mark that needs no colour: ▲ worse, ▼ better (interval clear of 1)."""
    if item.status == "reference":
        return "reference"
    if item.status == "too-few":
        return "too few"
    if item.ratio is None or item.ratio.mean is None:
        return ""
    mark = {"worse": " ▲ worse", "better": " ▼ better"}.get(item.direction or "", "")
    return f"×{item.ratio.mean:.2f}{mark}"


def group_table(comparison: Comparison, result: PolicyResult) -> Table:
    table = Table(
        title=f"{result.policy} by group (× = ratio to {_reference_name(comparison)}; "
        "▲/▼ where the 95% interval excludes 1)",
        title_justify="left",
    )
    table.add_column("group", style="bold")
    table.add_column("share of searches", justify="right")
    table.add_column("share of all false-lead searches", justify="right")
    for key in GROUP_RATES:
        table.add_column(SHORT[key], justify="right")
    for reviewer in result.reviewers:
        table.add_column(
            f"{SHORT['wrongful_forwards_per_search']} ({reviewer.profile})", justify="right"
        )
    for group in comparison.groups:
        shares = result.metrics.shares[group]
        table.add_row(
            group,
            value_text(comparison.probe_share.get(group), "percent"),
            value_text(shares.get("probes_with_false_lead"), "percent"),
            *(_with_ratio(comparison, result.metrics, group, key) for key in GROUP_RATES),
            *(
                _with_ratio(comparison, r.metrics, group, "wrongful_forwards_per_search")
                for r in result.reviewers
            ),
        )
    return table


def _reference_name(comparison: Comparison) -> str:
    if comparison.reference is None:
        return "no group (none large enough)"
    if comparison.reference == OVERALL:
        return "all searches"
    return f"the {comparison.reference} group"


def _seeds_note(comparison: Comparison) -> str:
    n = len(comparison.seeds)
    if n == 1:
        return f"seed {comparison.seeds[0]}"
    return f"{n} seeds; 95% intervals pooled over seeds and probes"


def comparison_tables(comparison: Comparison) -> list[Table]:
    tables = [policy_table(comparison)]
    if any(result.reviewers for result in comparison.policies):
        tables.append(reviewer_table(comparison))
    tables.extend(group_table(comparison, result) for result in comparison.policies)
    return tables
