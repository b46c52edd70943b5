"""`leadreview compare`: the same searches under several policies and reviewer profiles.

The option types are shared with `leadreview report compare` (and the scenario ones with
`sweep`), so the commands cannot drift apart.
"""

from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from leadreview.cli.bounds import MAX_GALLERY, MAX_PROBES, SEED_MAX, SEEDS_MAX

if TYPE_CHECKING:
    from leadreview.analysis.batch import SearchBatch
    from leadreview.analysis.batch_source import PreparedScenario
    from leadreview.analysis.compare_models import Comparison
    from leadreview.analysis.disparity import DisparityRules
    from leadreview.domain.policy import LoadedPolicy

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


def prepare_scenario(
    scenario: str, seed: int | None, seeds: int, gallery_size: int | None, probes: int | None
) -> "PreparedScenario":
    from leadreview.analysis.batch_source import ScenarioRequest, prepare

    return prepare(ScenarioRequest(scenario, seed, seeds, gallery_size, probes))


# Makes a scenario's batches; the callback shows a note beside the progress bar.
BatchSource = Callable[
    ["PreparedScenario", Callable[[str], None]], Iterator[tuple[int, "SearchBatch"]]
]


def with_progress(
    prepared: "PreparedScenario",
    work: Callable[[Iterator[tuple[int, "SearchBatch"]]], T],
    source: BatchSource | None = None,
) -> T:
    """Run `work` over the scenario's batches with a progress bar over seeds (on stderr).

    `source` makes the batches (default: `scenario_batches`, which only searches)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from leadreview.analysis.batch_source import scenario_batches

    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(f"{prepared.scenario.name}: searching", total=len(prepared.seeds))

        def batches() -> Iterator[tuple[int, "SearchBatch"]]:
            name = prepared.scenario.name
            items = (
                scenario_batches(prepared)
                if source is None
                else source(prepared, lambda note: progress.update(task, description=note))
            )
            for item in items:
                progress.update(task, description=f"{name}: seed {item[0]}")
                yield item
                progress.advance(task)

        return work(batches())


def policies_for(prepared: "PreparedScenario", refs: list[str] | None) -> list["LoadedPolicy"]:
    from leadreview.policy.loader import load_policies

    return load_policies(refs or list(prepared.scenario.policies))


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
) -> "Comparison":
    from leadreview.analysis.compare import compare
    from leadreview.analysis.disparity import DisparityRules
    from leadreview.simulation.reviewer_model import bundled_profile_names, load_profiles

    prepared = prepare_scenario(scenario, seed, seeds, gallery_size, probes)
    policies = policies_for(prepared, policy)
    profiles = load_profiles(reviewer_profile or bundled_profile_names())

    def run(source: BatchSource | None) -> "Comparison":
        return with_progress(
            prepared,
            lambda batches: compare(
                batches,
                policies=policies,
                profiles=profiles,
                use_case=prepared.use_case,
                scenario=prepared.scenario.name,
                sources=prepared.scenario.sources,
                rules=rules or DisparityRules(),
            ),
            source,
        )

    if not record:
        return run(None)
    from rich.console import Console

    from leadreview.cli.compare_recording import ComparisonRecorder
    from leadreview.settings import load_settings
    from leadreview.store.store import open_store

    settings = load_settings()
    store = open_store(settings)
    try:
        recorder = ComparisonRecorder(store, settings.resolved_actor(), policies, profiles)
        comparison = run(recorder.batches)
        recorder.finish(prepared.scenario.name, Console(stderr=True))
    finally:
        store.dispose()
    return comparison


def emit(text: str, output: Path | None) -> None:
    """Print, or write a file whole (never half-written: a temporary file, then rename)."""
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    from leadreview.errors import InputFileError

    partial = output.with_name(f".{output.name}.partial")
    try:
        partial.write_text(text, encoding="utf-8")
        partial.replace(output)
    except OSError as exc:
        raise InputFileError(f"{output}: cannot write ({exc.strerror})") from None


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
