"""`leadreview compare`: the same searches under several policies and reviewer profiles.

The option types are shared with `leadreview report compare` (and the scenario ones with
`sweep`), so the commands cannot drift apart.
"""

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from leadreview.cli.bounds import MAX_GALLERY, MAX_PROBES, SEED_MAX, SEEDS_MAX

if TYPE_CHECKING:
    from leadreview.analysis.compare_models import Comparison
    from leadreview.analysis.disparity import DisparityRules

T = TypeVar("T")


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


ScenarioOpt = Annotated[
    str, typer.Option("--scenario", help="a bundled scenario's name or a scenario file")
]
SeedOpt = Annotated[
    int | None,
    typer.Option("--seed", help="first seed (default: the scenario's)", min=0, max=SEED_MAX),
]
SeedsOpt = Annotated[
    int,
    typer.Option(
        "--seeds", help="how many seeds (worlds) to run: seed, seed+1, …", min=1, max=SEEDS_MAX
    ),
]
GalleryOpt = Annotated[
    int | None,
    typer.Option("--gallery-size", help="override the gallery size", min=1, max=MAX_GALLERY),
]
ProbesOpt = Annotated[
    int | None, typer.Option("--probes", help="override the probe count", min=1, max=MAX_PROBES)
]
GallerySeedOpt = Annotated[
    int | None,
    typer.Option(
        "--gallery-seed",
        help="one gallery for every seed, the gallery of this seed: generated once and "
        "memory-mapped by the worker processes; only the probes vary with --seed",
        min=0,
        max=SEED_MAX,
    ),
]
ClusterOpt = Annotated[
    str | None,
    typer.Option(
        "--cluster",
        help="run the seeds on this Dask distributed scheduler (tcp://HOST:PORT; install "
        "leadreview[cluster] here and on the workers) instead of this machine's cores",
    ),
]
PolicyOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--policy", help="a policy name or file (repeatable; default: the scenario's policies)"
    ),
]
ProfileOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--reviewer-profile",
        help="a reviewer profile name or file (repeatable; default: every bundled profile)",
    ),
]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="table, json or csv")]
RecordOpt = Annotated[
    bool,
    typer.Option(
        "--record",
        help="write every seed's searches, leads and verdicts to the audit log (a batch run "
        "per seed); with reviewer profiles, simulated reviewers also review the first seed's "
        "searches as cases, through the review workflow",
    ),
]
ReferenceOpt = Annotated[
    str,
    typer.Option(
        "--reference-group",
        help="compare each group with: 'largest' (the group with most searches), "
        "'overall' (all searches) or a group's name",
    ),
]
MinGroupOpt = Annotated[
    int,
    typer.Option(
        "--min-group-size",
        help="groups with fewer searches (over all seeds) get no ratio, only a flag",
        min=1,
        max=1_000_000,
    ),
]
ParityBandOpt = Annotated[
    bool,
    typer.Option(
        "--parity-band",
        help="highlight a ratio only where its interval lies outside 0.8–1.25 (Aequitas)",
    ),
]


def disparity_rules(reference: str, min_group_size: int, parity_band: bool) -> "DisparityRules":
    from leadreview.analysis.disparity import AEQUITAS_BAND, DisparityRules

    return DisparityRules(
        reference=reference, min_units=min_group_size, band=AEQUITAS_BAND if parity_band else None
    )


OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="write to this file instead of stdout")
]


def run_comparison(
    *,
    scenario: str,
    seed: int | None,
    seeds: int,
    gallery_size: int | None,
    probes: int | None,
    policy: list[str] | None,
    reviewer_profile: list[str] | None,
    record: bool = False,
    rules: "DisparityRules | None" = None,
    gallery_seed: int | None = None,
    cluster: str | None = None,
) -> "Comparison":
    """`runs.comparison.run_comparison` with a progress bar; with `record`, on the
    application's store, as the acting principal (an analyst)."""
    from leadreview.cli.progress import with_progress
    from leadreview.runs import comparison

    if cluster is not None:
        from leadreview.cli.waiting import require_scheduler

        require_scheduler(cluster)

    record_to = None
    if record:
        from rich.console import Console

        from leadreview.cli.context import application
        from leadreview.domain.roles import Role

        app = application()
        # The recorder acts as an analyst, and as a facilitator for the simulated reviewers.
        who = app.principal(Role.ANALYST).name
        record_to = comparison.RecordTo(app.store(), who, Console(stderr=True))
    return comparison.run_comparison(
        scenario=scenario,
        seed=seed,
        seeds=seeds,
        gallery_size=gallery_size,
        probes=probes,
        policy=policy,
        reviewer_profile=reviewer_profile,
        progress=with_progress,
        record_to=record_to,
        rules=rules,
        gallery_seed=gallery_seed,
        cluster=cluster,
    )


def emit(text: str, output: Path | None) -> None:
    """Print, or write a file whole (never half-written: a temporary file, then rename)."""
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    from leadreview.io.atomic import write_atomically

    write_atomically(output, text)


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
    comparison = run_comparison(
        rules=disparity_rules(reference_group, min_group_size, parity_band),
        scenario=scenario,
        seed=seed,
        seeds=seeds,
        gallery_size=gallery_size,
        probes=probes,
        policy=policy,
        reviewer_profile=reviewer_profile,
        record=record,
        gallery_seed=gallery_seed,
        cluster=cluster,
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
