"""`leadreview exercise pause|resume|extend`: the facilitator stops, restarts and extends
the exercise clock. Each is the exercise service's audited step; a refusal is audited too.

The three commands differ only in the service's step and the line printed after it, so
they share one implementation (`_clock_step`)."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from leadreview.cli.acting import chosen_exercise, facilitator, open_exercises
from leadreview.cli.groups import exercise_app
from leadreview.cli.options import ExerciseOption

if TYPE_CHECKING:
    from leadreview.domain.roles import Actor
    from leadreview.exercise.service import ExerciseService

T = TypeVar("T")

MinutesOption = Annotated[
    float,
    typer.Option("--minutes", min=0.1, max=24 * 60.0, help="minutes to add to the time limit"),
]


def _clock_step(
    exercise: int | None,
    step: "Callable[[ExerciseService, Actor, int], T]",
    said: Callable[[int, T], str],
) -> None:
    """Run one audited step of the clock on the chosen exercise, as the facilitator, and
    print what it did."""
    service, store = open_exercises()
    try:
        exercise_id = chosen_exercise(service, exercise)
        outcome = step(service, facilitator(), exercise_id)
    finally:
        store.dispose()
    typer.echo(said(exercise_id, outcome))


def pause(exercise: ExerciseOption = None) -> None:
    """Stop the clock: timed injects wait, participants' decisions are refused."""
    _clock_step(
        exercise,
        lambda service, actor, exercise_id: service.pause(actor, exercise_id),
        lambda exercise_id, _: f"exercise {exercise_id} paused: the clock has stopped",
    )


def resume(exercise: ExerciseOption = None) -> None:
    """Start the clock again where it stopped."""
    _clock_step(
        exercise,
        lambda service, actor, exercise_id: service.resume(actor, exercise_id),
        lambda exercise_id, _: f"exercise {exercise_id} resumed",
    )


def _extended(minutes: float, exercise_id: int, limit: float | None) -> str:
    now = "it has no time limit" if limit is None else f"the limit is now {limit:g} min"
    return f"exercise {exercise_id} extended by {minutes:g} min: {now}"


def extend(minutes: MinutesOption, exercise: ExerciseOption = None) -> None:
    """Add minutes to the exercise's time limit."""
    _clock_step(
        exercise,
        lambda service, actor, exercise_id: service.extend(actor, exercise_id, minutes),
        lambda exercise_id, limit: _extended(minutes, exercise_id, limit),
    )


def register(app: typer.Typer) -> None:
    """The commands above join the `exercise` group, after the after-action ones."""
    del app
    exercise_app.command("pause")(pause)
    exercise_app.command("resume")(resume)
    exercise_app.command("extend")(extend)
