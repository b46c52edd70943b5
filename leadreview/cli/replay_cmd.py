"""`leadreview replay SCENARIO`: run a scenario's searches once, evaluate every policy."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from leadreview.cli.bounds import MAX_GALLERY, MAX_PROBES, SEED_MAX
from leadreview.cli.options import ClusterOpt
from leadreview.errors import LeadreviewError

if TYPE_CHECKING:
    from leadreview.analysis.replay_metrics import PolicyReplayResult
    from leadreview.simulation.scenario import Scenario


def replay(
    scenario: Annotated[
        str, typer.Argument(help="a bundled scenario name (e.g. aclu-2018) or a scenario file")
    ] = "aclu-2018",
    seed: Annotated[
        int | None, typer.Option(min=0, max=SEED_MAX, help="override the scenario's seed")
    ] = None,
    gallery_size: Annotated[
        int | None, typer.Option(min=1, max=MAX_GALLERY, help="override the gallery size")
    ] = None,
    probes: Annotated[
        int | None, typer.Option(min=1, max=MAX_PROBES, help="override the number of probes")
    ] = None,
    policy: Annotated[
        list[str] | None,
        typer.Option(help="a policy name or file (repeatable); default: the scenario's"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of tables")] = False,
    record: Annotated[
        bool, typer.Option(help="write every search, lead and verdict to the audit log")
    ] = False,
    cache_dir: Annotated[
        Path | None, typer.Option(help="keep large galleries here as memory-mapped files")
    ] = None,
    cluster: ClusterOpt = None,
) -> None:
    """Replay a batch scenario (the ACLU's 2018 test by default) under each policy."""
    if cluster is not None:
        if record or cache_dir is not None:
            # Both need the world here: recording writes it, a cache keeps it on this disk.
            raise LeadreviewError(
                "--cluster runs the seed elsewhere: drop --record and --cache-dir"
            )
        from leadreview.cli.waiting import require_scheduler

        require_scheduler(cluster)
    from rich.console import Console

    from leadreview.analysis.replay_metrics import replay_policies
    from leadreview.analysis.run_batch import run_scenario
    from leadreview.analysis.scenario_overrides import with_overrides
    from leadreview.cli.progress import gallery_progress
    from leadreview.policy.loader import load_policies
    from leadreview.simulation.scenario import load_scenario

    chosen = with_overrides(load_scenario(scenario), gallery_size=gallery_size, probes=probes)
    policies = load_policies(policy or chosen.policies)
    err = Console(stderr=True)
    if cluster is not None:
        from leadreview.analysis.batch_source import PreparedScenario, seed_runs

        on_cluster = PreparedScenario(chosen, [chosen.seed if seed is None else seed], cluster)
        (seed_run,) = seed_runs(on_cluster)  # the whole generator: its client is closed
        results = replay_policies(seed_run.batch, policies, chosen.use_case)
        _print(chosen, seed_run.seed, chosen.gallery.size, results, as_json)
        return
    with gallery_progress(err, chosen.gallery.size, chosen.gallery.item_bytes) as progress:
        run = run_scenario(chosen, seed=seed, cache_dir=cache_dir, progress=progress)
    results = replay_policies(run.batch, policies, chosen.use_case)
    if record:
        from leadreview.cli.context import application
        from leadreview.domain.roles import Role
        from leadreview.runs.recording import record_run

        app = application()
        recorded = record_run(
            app.workflow_context(), app.principal(Role.ANALYST).actor, run, policies
        )
        err.print(
            f"recorded batch run {recorded.batch_run_id}: {recorded.searches} searches, "
            f"{recorded.leads} leads, {recorded.verdicts} verdicts in {app.store().url}"
        )
    _print(chosen, run.world.seed, run.world.gallery.size, results, as_json)


def _print(
    chosen: "Scenario",
    seed: int,
    gallery_size: int,
    results: "list[PolicyReplayResult]",
    as_json: bool,
) -> None:
    from rich.console import Console

    from leadreview.analysis.replay_report import print_replay, replay_json

    if as_json:
        typer.echo(replay_json(chosen.name, seed, gallery_size, results))
    else:
        print_replay(Console(), chosen.title, seed, results)


def register(app: typer.Typer) -> None:
    app.command("replay")(replay)
