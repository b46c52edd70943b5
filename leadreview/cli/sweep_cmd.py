"""`leadreview sweep`: thresholds 0–100, false leads against missed mates, per group."""

from pathlib import Path
from typing import Annotated

import typer

from leadreview.cli.batch_runs import emit, run_sweep
from leadreview.cli.options import (
    ClusterOpt,
    FormatOpt,
    GalleryOpt,
    GallerySeedOpt,
    MaxCandidatesOpt,
    OutputFormat,
    OutputOpt,
    PolicyOpt,
    ProbesOpt,
    ScenarioOpt,
    SeedOpt,
    SeedsOpt,
    StepOpt,
)
from leadreview.cli.output_paths import output_files
from leadreview.runs.comparison import BatchRequest

ChartOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--chart",
        help="also write the chart to a .png or .svg file (repeatable), in a folder that exists",
        callback=output_files,
    ),
]


def sweep_command(
    *,
    scenario: ScenarioOpt = "aclu-2018",
    seed: SeedOpt = None,
    seeds: SeedsOpt = 1,
    gallery_size: GalleryOpt = None,
    probes: ProbesOpt = None,
    policy: PolicyOpt = None,
    step: StepOpt = 1.0,
    max_candidates: MaxCandidatesOpt = None,
    chart: ChartOpt = None,
    output_format: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
    gallery_seed: GallerySeedOpt = None,
    cluster: ClusterOpt = None,
) -> None:
    """Sweep the threshold from 0 to 100: false leads per search and mates missed, per group.

    Policies only mark their thresholds on the chart; the sweep itself applies none.
    """
    result = run_sweep(
        BatchRequest(
            scenario=scenario,
            seed=seed,
            seeds=seeds,
            gallery_size=gallery_size,
            probes=probes,
            policy=policy,
            gallery_seed=gallery_seed,
            cluster=cluster,
        ),
        step=step,
        max_candidates=max_candidates,
    )
    if chart:
        from leadreview.analysis.chart_output import save_figure
        from leadreview.analysis.sweep_charts import sweep_figure

        figure = sweep_figure(result)
        for path in chart:
            save_figure(figure, path)
    if output_format is OutputFormat.JSON:
        from leadreview.analysis.sweep_export import sweep_json

        emit(sweep_json(result), output)
    elif output_format is OutputFormat.CSV:
        from leadreview.analysis.sweep_export import sweep_csv

        emit(sweep_csv(result), output)
    else:
        from rich.console import Console
        from rich.text import Text

        from leadreview.analysis.sweep_charts import terminal_sweep_chart
        from leadreview.analysis.sweep_export import sweep_table

        console = Console()
        console.print(Text.from_ansi(terminal_sweep_chart(result, width=min(console.width, 140))))
        console.print(sweep_table(result))


def register(app: typer.Typer) -> None:
    app.command("sweep")(sweep_command)
