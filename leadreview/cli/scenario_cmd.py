"""`leadreview scenario list|show|validate|new`: exercise scenario files."""

from pathlib import Path
from typing import Annotated

import typer

from leadreview.cli.output_paths import output_file

scenario_app = typer.Typer(
    help="List, show, validate and create (new) exercise scenarios.", no_args_is_help=True
)


@scenario_app.command("list")
def list_scenarios() -> None:
    """The bundled exercise scenarios."""
    from rich.console import Console
    from rich.table import Table

    from leadreview.exercise.loading import bundled_exercise_paths, load_exercise

    table = Table(title="Exercise scenarios")
    for column in ("name", "title", "cases", "injects", "policy in force"):
        table.add_column(column)
    for path in bundled_exercise_paths():
        s = load_exercise(path).scenario
        table.add_row(s.name, s.title, str(len(s.cases)), str(len(s.injects)), s.policy_in_force)
    Console().print(table)


@scenario_app.command("show")
def show(
    scenario: Annotated[str, typer.Argument(help="a bundled name or a file")],
    reveal: Annotated[
        bool,
        typer.Option("--reveal", help="also show each case's truth (the facilitator's; recorded)"),
    ] = False,
    role: Annotated[
        str, typer.Option("--role", help="the role you act in (--reveal: facilitator)")
    ] = "reviewer",
) -> None:
    """The scenario's cases, injects and questions. Whether a case is mated, and where its
    mate ranks, is ground truth: shown only to the facilitator, with --reveal."""
    from rich.console import Console
    from rich.table import Table

    from leadreview.exercise.loading import load_exercise

    loaded = load_exercise(scenario)
    s = loaded.scenario
    if reveal:
        from leadreview.cli.sealed_truth import open_truth_for

        open_truth_for(role, {"scenario": s.name, "sha256": loaded.sha256})
    console = Console()
    console.print(f"[bold]{s.title}[/bold] ({s.name}, {loaded.path})")
    console.print(
        f"gallery {s.world.gallery_size} faces, seed {s.world.seed}; policy in force "
        f"{s.policy_in_force}; shadowed: {', '.join(s.shadow_policies) or 'none'}; "
        f"assignment {s.assignment.value}"
    )
    cases = Table(title="Cases")
    truth_columns = ("mated", "mate rank") if reveal else ()
    for column in ("id", "offense", "use case", "quality", *truth_columns):
        cases.add_column(column)
    for c in s.cases:
        band = c.mate_rank.text() if c.mate_rank else "-"
        truth = (str(c.mated), band) if reveal else ()
        cases.add_row(c.id, c.offense, c.use_case.value, c.quality.value, *truth)
    console.print(cases)
    if not reveal:
        console.print("ground truth sealed: the facilitator sees it with --reveal")
    injects = Table(title="Injects")
    for column in ("id", "kind", "title", "release"):
        injects.add_column(column)
    for i in s.injects:
        when = "manual" if i.after_minutes is None else f"after {i.after_minutes:g} min"
        injects.add_row(i.id, i.kind.value, i.title, when)
    console.print(injects)
    for number, question in enumerate(s.debrief_questions, start=1):
        console.print(f"{number}. {question}")
    for source in s.sources:
        console.print(f"[dim]source: {source}[/dim]")


@scenario_app.command("validate")
def validate(
    scenarios: Annotated[list[str], typer.Argument(help="bundled names or files")],
    quick: Annotated[
        bool, typer.Option("--quick", help="check the file only, not that the cases can be built")
    ] = False,
) -> None:
    """Check each file; unless --quick, also build its world, so that every case's rank
    band and scores are shown to be reachable."""
    from leadreview.exercise.loading import load_exercise
    from leadreview.exercise.world import build_exercise_world

    for ref in scenarios:
        loaded = load_exercise(ref)
        if not quick:
            build_exercise_world(loaded)
        typer.echo(f"ok: {loaded.path}: {len(loaded.scenario.cases)} cases")


@scenario_app.command("new")
def new(
    output: Annotated[
        Path,
        typer.Argument(help="the file to write, in a folder that exists", callback=output_file()),
    ],
    force: Annotated[bool, typer.Option("--force", help="overwrite an existing file")] = False,
) -> None:
    """Write a commented template that validates."""
    import os
    import re

    from leadreview.errors import InputFileError
    from leadreview.exercise.template import template
    from leadreview.io.atomic import write_atomically

    if os.path.lexists(output) and not force:
        raise InputFileError(f"{output}: exists (use --force to overwrite)")
    name = re.sub(r"[^a-z0-9-]+", "-", output.stem.lower()).strip("-") or "new-exercise"
    write_atomically(output, template(name[:63]))
    typer.echo(f"wrote {output}; check it with `leadreview scenario validate {output}`")


def register(app: typer.Typer) -> None:
    app.add_typer(scenario_app, name="scenario")
