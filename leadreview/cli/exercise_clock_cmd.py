"""`leadreview exercise pause|resume|extend`: the facilitator stops, restarts and extends
the exercise clock. Each is the exercise service's audited step; a refusal is audited too."""

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from leadreview.exercise.views import ExerciseProgress

MinutesOption = Annotated[
    float,
    typer.Option("--minutes", min=0.1, max=24 * 60.0, help="minutes to add to the time limit"),
]


def remaining_text(progress: "ExerciseProgress") -> str:
    """`paused, 12.5 min left` — what the facilitator and the status line say about time."""
    state = "paused" if progress.paused else "running"
    if progress.exercise_minutes is None:
        return f"{state}, no time limit"
    left = progress.exercise_minutes - progress.elapsed_minutes
    if left < 0:
        return f"{state}, {-left:.1f} min over time"
    return f"{state}, {left:.1f} min left"


def register_clock(exercise_app: typer.Typer) -> None:
    from leadreview.cli.exercise_cmd import ExerciseOption, _actor, _id, _open

    @exercise_app.command("pause")
    def pause(exercise: ExerciseOption = None) -> None:
        """Stop the clock: timed injects wait, participants' decisions are refused."""
        service, store = _open()
        try:
            exercise_id = _id(service, exercise)
            service.pause(_actor(), exercise_id)
        finally:
            store.dispose()
        typer.echo(f"exercise {exercise_id} paused: the clock has stopped")

    @exercise_app.command("resume")
    def resume(exercise: ExerciseOption = None) -> None:
        """Start the clock again where it stopped."""
        service, store = _open()
        try:
            exercise_id = _id(service, exercise)
            service.resume(_actor(), exercise_id)
        finally:
            store.dispose()
        typer.echo(f"exercise {exercise_id} resumed")

    @exercise_app.command("extend")
    def extend(minutes: MinutesOption, exercise: ExerciseOption = None) -> None:
        """Add minutes to the exercise's time limit."""
        service, store = _open()
        try:
            exercise_id = _id(service, exercise)
            limit = service.extend(_actor(), exercise_id, minutes)
        finally:
            store.dispose()
        now = "it has no time limit" if limit is None else f"the limit is now {limit:g} min"
        typer.echo(f"exercise {exercise_id} extended by {minutes:g} min: {now}")
