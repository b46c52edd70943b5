"""`leadreview exercise hotwash|validate|improve|aar`: the after-action work (HSEEP).

After the reveal, participants and the facilitator answer the debrief questions (the hot
wash); the facilitator validates the expected actions that need a person's judgement and
plans corrective actions with owners and dates; `aar` writes the After-Action Report /
Improvement Plan as HTML and Markdown. `exercise export` puts the same report in the
package beside the verifiable journal.
"""

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from leadreview.cli.acting import (
    acting_as,
    chosen_exercise,
    facilitator,
    open_exercises,
    role_named,
)
from leadreview.cli.free_text import LINE_MAX, NAME_MAX, PARAGRAPH_MAX, one_line, paragraph
from leadreview.cli.groups import exercise_app
from leadreview.cli.options import ExerciseOption
from leadreview.cli.output_paths import output_folder


def hotwash(
    question: Annotated[
        int | None, typer.Option("--question", min=1, max=1000, help="the question's number")
    ] = None,
    answer: Annotated[
        str | None,
        typer.Option(
            "--answer",
            help=f"your answer (newlines allowed; at most {PARAGRAPH_MAX} characters)",
            callback=paragraph(),
        ),
    ] = None,
    role: Annotated[str, typer.Option("--role", help="the role you took part in")] = "reviewer",
    exercise: ExerciseOption = None,
) -> None:
    """Answer a debrief question (after the reveal); without --answer, list the answers."""
    from leadreview.errors import InputFileError

    chosen = role_named(role)
    service, store = open_exercises()
    try:
        exercise_id = chosen_exercise(service, exercise)
        actor = acting_as(chosen)
        if answer is not None:
            if question is None:
                raise InputFileError("--answer needs --question N")
            service.answer_hotwash(actor, exercise_id, question, answer)
            typer.echo(f"answer to question {question} recorded for {actor.name}")
            return
        report = service.after_action(facilitator(), exercise_id)
    finally:
        store.dispose()
    for index, text in enumerate(report.debrief.questions, start=1):
        typer.echo(f"Q{index}. {text}")
        for a in (a for a in report.hotwash if a.question_index == index):
            typer.echo(f"    {a.by} ({a.role}): {a.answer}")


def validate(
    expectation: Annotated[str, typer.Argument(help="the expectation's id in the scenario")],
    met: Annotated[bool, typer.Option("--met/--not-met", help="your judgement")],
    note: Annotated[
        str,
        typer.Option(
            "--note",
            help=f"what you saw that decided it (newlines allowed; at most {PARAGRAPH_MAX})",
            callback=paragraph(),
        ),
    ],
    exercise: ExerciseOption = None,
) -> None:
    """Validate an expected action by hand (the facilitator; the latest judgement counts)."""
    service, store = open_exercises()
    try:
        service.validate_expectation(
            facilitator(), chosen_exercise(service, exercise), expectation, met, note
        )
    finally:
        store.dispose()
    typer.echo(f"expectation {expectation}: {'met' if met else 'not met'} (recorded)")


def _due(text: str) -> date:
    from leadreview.errors import InputFileError

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputFileError(f"--due {text!r}: write a date as YYYY-MM-DD") from None


def improve(
    area: Annotated[
        str,
        typer.Option(
            "--area",
            help=f"the area for improvement (one line, at most {LINE_MAX} characters)",
            callback=one_line(),
        ),
    ],
    action: Annotated[
        str,
        typer.Option(
            "--action",
            help=f"the corrective action (one line, at most {LINE_MAX} characters)",
            callback=one_line(),
        ),
    ],
    owner: Annotated[
        str,
        typer.Option(
            "--owner",
            help=f"who is responsible (one line, at most {NAME_MAX} characters)",
            callback=one_line(NAME_MAX),
        ),
    ],
    due: Annotated[str, typer.Option("--due", help="completion date, YYYY-MM-DD")],
    objective: Annotated[str | None, typer.Option("--objective", help="objective id")] = None,
    exercise: ExerciseOption = None,
) -> None:
    """Add a corrective action to the improvement plan (the facilitator)."""
    when = _due(due)
    service, store = open_exercises()
    try:
        service.plan_improvement(
            facilitator(),
            chosen_exercise(service, exercise),
            area=area,
            action=action,
            owner=owner,
            due=when,
            objective=objective,
        )
    finally:
        store.dispose()
    typer.echo(f"improvement planned: {action} — {owner}, due {when.isoformat()}")


def aar(
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="the folder to write aar.html and aar.md into (created if absent, inside "
            "a folder that exists)",
            callback=output_folder,
        ),
    ],
    exercise: ExerciseOption = None,
) -> None:
    """Write the After-Action Report / Improvement Plan (aar.html, aar.md)."""
    from leadreview.exercise.aar_render import aar_html, aar_markdown
    from leadreview.io.atomic import write_atomically

    service, store = open_exercises()
    try:
        report = service.after_action(facilitator(), chosen_exercise(service, exercise))
    finally:
        store.dispose()
    write_atomically(output / "aar.html", aar_html(report), "after-action report")
    write_atomically(output / "aar.md", aar_markdown(report), "after-action report")
    met = sum(r.status.value == "met" for r in report.expectations)
    typer.echo(
        f"after-action report written to {output}/aar.html and aar.md: {met} of "
        f"{len(report.expectations)} expected action(s) met, {len(report.improvements)} "
        "corrective action(s); `leadreview exercise export` adds the verifiable journal"
    )


def register(app: typer.Typer) -> None:
    """The commands above join the `exercise` group (after `exercise_cmd`'s, so that
    `--help` lists them in the order of an exercise)."""
    del app
    exercise_app.command("hotwash")(hotwash)
    exercise_app.command("validate")(validate)
    exercise_app.command("improve")(improve)
    exercise_app.command("aar")(aar)
