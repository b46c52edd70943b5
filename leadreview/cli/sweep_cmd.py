"""`leadreview sweep`: thresholds 0–100, false leads against missed mates, per group."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from leadreview.cli.bounds import MAX_FACES
from leadreview.cli.compare_cmd import (
    ClusterOpt,
    FormatOpt,
    GalleryOpt,
    GallerySeedOpt,
    OutputFormat,
    OutputOpt,
    PolicyOpt,
    ProbesOpt,
    ScenarioOpt,
    SeedOpt,
    SeedsOpt,
    emit,
)

if TYPE_CHECKING:
    from leadreview.analysis.sweep import Sweep

StepOpt = Annotated[
    float, typer.Option("--step", help="distance between thresholds", min=0.01, max=50.0)
]
MaxCandidatesOpt = Annotated[
    int | None,
    # Rekognition's MaxFaces allows 1–4096; anything else is a typo, not a candidate list.
    typer.Option(
        "--max-candidates",
        help="count only the top N leads, 1–4096 (default: all returned)",
        min=1,
        max=MAX_FACES,
    ),
]
ChartOpt = Annotated[
    list[Path] | None,
    typer.Option("--chart", help="also write the chart to a .png or .svg file (repeatable)"),
]


def run_sweep(
    *,
    scenario: str,
    seed: int | None,
    seeds: int,
    gallery_size: int | None,
    probes: int | None,
    policy: list[str] | None,
    step: float,
    max_candidates: int | None,
    gallery_seed: int | None = None,
    cluster: str | None = None,
) -> "Sweep":
    """`runs.comparison.run_sweep` with a progress bar."""
    from leadreview.cli.progress import with_progress
    from leadreview.runs import comparison

    if cluster is not None:
        from leadreview.cli.waiting import require_scheduler

        require_scheduler(cluster)

    return comparison.run_sweep(
        scenario=scenario,
        seed=seed,
        seeds=seeds,
        gallery_size=gallery_size,
        probes=probes,
        policy=policy,
        step=step,
        max_candidates=max_candidates,
        progress=with_progress,
        gallery_seed=gallery_seed,
        cluster=cluster,
    )


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
        scenario=scenario,
        seed=seed,
        seeds=seeds,
        gallery_size=gallery_size,
        probes=probes,
        policy=policy,
        step=step,
        max_candidates=max_candidates,
        gallery_seed=gallery_seed,
        cluster=cluster,
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
