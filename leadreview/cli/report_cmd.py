"""`leadreview report compare|sweep`: a self-contained HTML page to open, send or print.

The audit-log report joins here as `report audit` once the workflow and audit log land.
"""

from pathlib import Path
from typing import Annotated

import typer

from leadreview.cli.compare_cmd import (
    GalleryOpt,
    PolicyOpt,
    ProbesOpt,
    ProfileOpt,
    ScenarioOpt,
    SeedOpt,
    SeedsOpt,
    emit,
)
from leadreview.cli.sweep_cmd import MaxCandidatesOpt, StepOpt

report_app = typer.Typer(
    help="Self-contained HTML reports (inline CSS and charts; nothing is fetched).",
    no_args_is_help=True,
)
ReportOutputOpt = Annotated[
    Path, typer.Option("--output", "-o", help="the HTML file to write", dir_okay=False)
]


@report_app.command("compare")
def report_compare(
    *,
    output: ReportOutputOpt,
    scenario: ScenarioOpt = "aclu-2018",
    seed: SeedOpt = None,
    seeds: SeedsOpt = 1,
    gallery_size: GalleryOpt = None,
    probes: ProbesOpt = None,
    policy: PolicyOpt = None,
    reviewer_profile: ProfileOpt = None,
) -> None:
    """A policy comparison as an HTML page: headline, tables by group, charts, sources."""
    from leadreview.analysis.report_html import comparison_report
    from leadreview.cli.compare_cmd import run_comparison

    comparison = run_comparison(
        scenario=scenario,
        seed=seed,
        seeds=seeds,
        gallery_size=gallery_size,
        probes=probes,
        policy=policy,
        reviewer_profile=reviewer_profile,
    )
    emit(comparison_report(comparison), output)
    typer.echo(f"wrote {output}", err=True)


@report_app.command("sweep")
def report_sweep(
    *,
    output: ReportOutputOpt,
    scenario: ScenarioOpt = "aclu-2018",
    seed: SeedOpt = None,
    seeds: SeedsOpt = 1,
    gallery_size: GalleryOpt = None,
    probes: ProbesOpt = None,
    policy: PolicyOpt = None,
    step: StepOpt = 1.0,
    max_candidates: MaxCandidatesOpt = None,
) -> None:
    """A threshold sweep as an HTML page: headline, chart, table at the policy thresholds."""
    from leadreview.analysis.report_html import sweep_report
    from leadreview.cli.sweep_cmd import run_sweep

    result = run_sweep(
        scenario=scenario,
        seed=seed,
        seeds=seeds,
        gallery_size=gallery_size,
        probes=probes,
        policy=policy,
        step=step,
        max_candidates=max_candidates,
    )
    emit(sweep_report(result), output)
    typer.echo(f"wrote {output}", err=True)


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
