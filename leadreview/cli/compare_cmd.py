"""`leadreview compare`: the same searches under several policies and reviewer profiles.

The option types are shared with `leadreview report compare` (and the scenario ones with
`sweep`) through `cli/options.py`, so the commands cannot drift apart.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from leadreview.cli.batch_runs import disparity_rules, emit, run_comparison
from leadreview.cli.options import (
    ClusterOpt,
    FormatOpt,
    GalleryOpt,
    GallerySeedOpt,
    MinGroupOpt,
    OutputFormat,
    OutputOpt,
    ParityBandOpt,
    PolicyOpt,
    ProbesOpt,
    ProfileOpt,
    ReferenceOpt,
    ScenarioOpt,
    SeedOpt,
    SeedsOpt,
)
from leadreview.runs.comparison import BatchRequest

if TYPE_CHECKING:
    from leadreview.analysis.compare_models import Comparison

RecordOpt = Annotated[
    bool,
    typer.Option(
        "--record",
        help="write every seed's searches, leads and verdicts to the audit log (a batch run "
        "per seed); with reviewer profiles, simulated reviewers also review the first seed's "
        "searches as cases, through the review workflow",
    ),
]


def compare_command(
    *,
    scenario: ScenarioOpt = "aclu-2018",
    seed: SeedOpt = None,
    seeds: SeedsOpt = 1,
    gallery_size: GalleryOpt = None,
    probes: ProbesOpt = None,
    policy: PolicyOpt = None,
    reviewer_profile: ProfileOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
    record: RecordOpt = False,
    reference_group: ReferenceOpt = "largest",
    min_group_size: MinGroupOpt = 30,
    parity_band: ParityBandOpt = False,
    gallery_seed: GallerySeedOpt = None,
    cluster: ClusterOpt = None,
) -> None:
    """Compare policies and reviewer profiles on the same searches, overall and per group."""
    request = BatchRequest(
        scenario=scenario,
        seed=seed,
        seeds=seeds,
        gallery_size=gallery_size,
        probes=probes,
        policy=policy,
        gallery_seed=gallery_seed,
        cluster=cluster,
    )
    comparison = run_comparison(
        request,
        reviewer_profile=reviewer_profile,
        record=record,
        rules=disparity_rules(reference_group, min_group_size, parity_band),
    )
    if output_format is OutputFormat.JSON:
        from leadreview.analysis.compare_export import comparison_json

        emit(comparison_json(comparison), output)
    elif output_format is OutputFormat.CSV:
        from leadreview.analysis.compare_export import comparison_csv

        emit(comparison_csv(comparison), output)
    else:
        print_tables(comparison, output)


def print_tables(comparison: "Comparison", output: Path | None) -> None:
    import io

    from rich.console import Console

    from leadreview.analysis.compare_rich import comparison_tables

    buffer = io.StringIO() if output is not None else None
    console = Console(file=buffer, width=200 if buffer else None)
    for table in comparison_tables(comparison):
        console.print(table)
    console.print(f"[dim]Sources: {len(comparison.sources)} cited; see --format json.[/dim]")
    if buffer is not None:
        emit(buffer.getvalue(), output)


def register(app: typer.Typer) -> None:
    app.command("compare")(compare_command)
