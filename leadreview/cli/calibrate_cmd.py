"""`leadreview calibrate`: fit the score model to the public record, or check how it meets it."""

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from leadreview.cli.output_paths import output_file

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from leadreview.calibration.measure import Figure
    from leadreview.calibration.monte_carlo import StepProgress


def _table(figures: "list[Figure]", title: str) -> "Table":
    from rich.table import Table

    table = Table(title=title)
    for column in ("figure", "source", "target", "achieved", ""):
        table.add_column(column)
    marks = {True: "[green]ok[/green]", False: "[red]MISS[/red]", None: ""}
    for f in figures:
        table.add_row(f.name, f.source, f.target, f.shown, marks[f.met])
    return table


def _measure_with_progress(
    console: "Console", run: "Callable[[StepProgress], list[Figure]]"
) -> "list[Figure]":
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def report(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = progress.add_task(what, total=total)
            progress.update(tasks[what], completed=done)

        return run(report)


def calibrate(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="write the fitted model here instead of --model (in a folder that exists)",
            callback=output_file(),
        ),
    ] = None,
    check: Annotated[
        bool,
        typer.Option("--check", help="only report how the current model meets the targets"),
    ] = False,
    model_path: Annotated[
        Path | None,
        typer.Option("--model", help="score model to start from (or check); default: bundled"),
    ] = None,
    targets_path: Annotated[
        Path | None, typer.Option("--targets", help="calibration targets; default: bundled")
    ] = None,
    large_gallery: Annotated[
        bool,
        typer.Option(
            "--large-gallery/--no-large-gallery",
            help="also search a generated gallery of a million faces (about 15 s)",
        ),
    ] = True,
) -> None:
    """Fit the score model to the ACLU, Amazon, WCSO and NIST figures, and report target
    against achieved. Exits 1 if a target is missed (and then writes nothing)."""
    from rich.console import Console

    from leadreview.calibration.fit import CalibrationError, fit_score_model
    from leadreview.calibration.measure import all_met, measure
    from leadreview.calibration.render import render_score_model
    from leadreview.calibration.targets import load_targets
    from leadreview.io.atomic import write_atomically
    from leadreview.simulation.scenario import load_scenario
    from leadreview.simulation.score_model import default_score_model_path, load_score_model

    console = Console()
    source = model_path or default_score_model_path()
    model = load_score_model(source)
    targets = load_targets(targets_path)
    aclu = load_scenario(targets.aclu.scenario)
    genuine = load_scenario(targets.genuine.scenario)

    if not check:
        with console.status("Fitting the score model to the targets…"):
            model = fit_score_model(model, targets, aclu, genuine)
    figures = _measure_with_progress(
        console,
        lambda report: measure(
            model, targets, aclu, genuine, large_gallery=large_gallery, progress=report
        ),
    )
    what = "current" if check else "fitted"
    console.print(_table(figures, f"Score model ({what}) against the public record"))
    missed = [f for f in figures if f.met is False]
    if check:
        if missed:
            console.print(f"{source}: misses {len(missed)} target(s)")
            raise typer.Exit(1)
        console.print(f"{source}: meets every target")
        return
    if not all_met(figures):
        raise CalibrationError(
            f"the fit misses {len(missed)} target(s) (first: {missed[0].name}); "
            f"{output or source} left unchanged"
        )
    destination = output or source
    write_atomically(
        destination, render_score_model(model, targets.aclu.reference_group), "score model"
    )
    console.print(f"wrote {destination}")


def register(app: typer.Typer) -> None:
    app.command("calibrate")(calibrate)
