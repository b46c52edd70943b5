"""The replay's output: JSON for machines, rich tables for people."""

import json
from collections.abc import Sequence
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from leadreview.analysis.replay_metrics import PolicyReplayResult

# The ACLU's headline compared people of color against everyone else.
REFERENCE_GROUP = "white"


def replay_json(
    scenario: str, seed: int, gallery_size: int, results: Sequence[PolicyReplayResult]
) -> str:
    document: dict[str, Any] = {
        "scenario": scenario,
        "seed": seed,
        "gallery_size": gallery_size,
        "policies": {r.policy: r.model_dump(mode="json", exclude={"policy"}) for r in results},
    }
    return json.dumps(document, indent=2)


def _threshold(result: PolicyReplayResult) -> str:
    return "none" if result.threshold is None else f"{result.threshold:g}"


def summary_table(results: Sequence[PolicyReplayResult], probes: int) -> Table:
    table = Table(title=f"False leads per policy ({probes} searches)", title_justify="left")
    table.add_column("policy", no_wrap=True)
    table.add_column("threshold", justify="right")
    table.add_column("leads shown", justify="right")
    table.add_column("false leads", justify="right")
    table.add_column("probes with a false lead", justify="right")
    table.add_column("of them, people of color", justify="right")
    for r in results:
        poc = sum(c.probes_with_false_lead for g, c in r.by_group.items() if g != REFERENCE_GROUP)
        share = f"{poc} ({poc / r.probes_with_false_lead:.0%})" if r.probes_with_false_lead else "—"
        table.add_row(
            r.policy,
            _threshold(r),
            str(r.leads_shown),
            str(r.false_leads_shown),
            f"{r.probes_with_false_lead} ({r.probes_with_false_lead / r.searches:.1%})",
            share,
        )
    return table


def group_table(result: PolicyReplayResult) -> Table:
    table = Table(
        title=f"{result.policy} (threshold {_threshold(result)}) by group",
        title_justify="left",
    )
    for column in ("group", "probes", "share of probes", "leads shown", "false leads"):
        table.add_column(column, justify="left" if column == "group" else "right")
    table.add_column("probes with a false lead", justify="right")
    table.add_column("share of them", justify="right")
    shares = result.false_lead_probe_share_by_group
    for group, counts in result.by_group.items():
        table.add_row(
            group,
            str(counts.probes),
            f"{counts.probes / result.searches:.0%}",
            str(counts.leads_shown),
            str(counts.false_leads_shown),
            f"{counts.probes_with_false_lead} ({counts.probes_with_false_lead / counts.probes:.1%})"
            if counts.probes
            else "—",
            f"{shares[group]:.0%}" if result.probes_with_false_lead else "—",
        )
    return table


def print_replay(
    console: Console, title: str, seed: int, results: Sequence[PolicyReplayResult]
) -> None:
    probes = results[0].searches if results else 0
    console.print(Text(f"{title} — seed {seed}", style="bold"))
    console.print(summary_table(results, probes))
    console.print(Group(*(group_table(r) for r in results)))
    console.print(
        "Every lead here is a false one unless the probe is mated. "
        "ACLU 2018 at the default 80: 28 of 535 members of Congress falsely matched, "
        "11 of them (39%) people of color, who were about 20% of Congress. "
        "This is one seed (one synthetic Congress and gallery); "
        "'leadreview compare --seeds 10' gives the spread across seeds.",
        style="dim",
    )
