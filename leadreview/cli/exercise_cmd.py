"""`leadreview exercise start|join|invite|revoke-invite|assign|inject|status|board|decide|
reveal|debrief|export|close` (and pause|resume|extend, in exercise_clock_cmd.py).

The facilitator's commands act in the facilitator role; a participant's in the role they
joined in. Who acts is you: the OS user on SQLite, your login on PostgreSQL (no option
names anyone); `--role` chooses which of your granted roles.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from leadreview.cli.acting import (
    acting_as,
    chosen_exercise,
    facilitator,
    open_exercises,
    role_named,
)
from leadreview.cli.bounds import ROW_ID_MAX, person_name
from leadreview.cli.free_text import PARAGRAPH_MAX, paragraph
from leadreview.cli.groups import exercise_app
from leadreview.cli.options import ExerciseOption
from leadreview.cli.output_paths import output_file, output_folder

if TYPE_CHECKING:
    from leadreview.exercise.views import ExerciseProgress


def remaining_text(progress: "ExerciseProgress") -> str:
    """`paused, 12.5 min left` — what the facilitator and the status line say about time."""
    state = "paused" if progress.paused else "running"
    if progress.exercise_minutes is None:
        return f"{state}, no time limit"
    left = progress.exercise_minutes - progress.elapsed_minutes
    if left < 0:
        return f"{state}, {-left:.1f} min over time"
    return f"{state}, {left:.1f} min left"


@exercise_app.command("start")
def start(
    scenario: Annotated[str, typer.Argument(help="a bundled exercise name or a file")],
) -> None:
    """Generate the world, open every case through the workflow, record exercise.started."""
    from leadreview.exercise.loading import load_exercise
    from leadreview.exercise.world import build_exercise_world

    world = build_exercise_world(load_exercise(scenario))
    service, store = open_exercises()
    try:
        summary = service.start(facilitator(), world)
    finally:
        store.dispose()
    typer.echo(
        f"exercise {summary.exercise_id} started: {summary.title} "
        f"({len(summary.case_ids)} cases, policy in force {summary.policy_in_force})"
    )


@exercise_app.command("join")
def join(
    role: Annotated[str, typer.Option("--role", help="reviewer, supervisor, ...")] = "reviewer",
    exercise: ExerciseOption = None,
) -> None:
    """Join the exercise as a participant."""

    chosen = role_named(role)
    service, store = open_exercises()
    try:
        seat = service.join(acting_as(chosen), chosen_exercise(service, exercise))
    finally:
        store.dispose()
    typer.echo(f"{seat.name} joined exercise {seat.exercise_id} as {seat.role.value}")


@exercise_app.command("assign")
def assign(
    case: Annotated[str | None, typer.Option("--case", help="a case id of the scenario")] = None,
    to: Annotated[str | None, typer.Option("--to", help="a participant's name")] = None,
    exercise: ExerciseOption = None,
) -> None:
    """Assign every case round robin, or one case (--case) to one participant (--to)."""
    service, store = open_exercises()
    try:
        made = service.assign(
            facilitator(), chosen_exercise(service, exercise), case_key=case, participant=to
        )
    finally:
        store.dispose()
    for a in made:
        typer.echo(f"{a.case_key} (case {a.case_id}) -> {a.participant}")
    typer.echo(f"{len(made)} new assignment(s)")


@exercise_app.command("inject")
def inject(
    inject_id: Annotated[str, typer.Argument(help="the inject's id in the scenario")],
    exercise: ExerciseOption = None,
) -> None:
    """Release an inject now."""
    service, store = open_exercises()
    try:
        released = service.release_inject(
            facilitator(), chosen_exercise(service, exercise), inject_id
        )
    finally:
        store.dispose()
    typer.echo(f"released {inject_id}" if released else f"{inject_id} was already released")


@exercise_app.command("status")
def status(exercise: ExerciseOption = None) -> None:
    """Live progress: per participant, decisions made and pending; injects; the clock."""
    from rich.console import Console
    from rich.table import Table

    service, store = open_exercises()
    try:
        progress = service.progress(facilitator(), chosen_exercise(service, exercise))
    finally:
        store.dispose()
    ex = progress.exercise
    limit = f" of {progress.exercise_minutes:g}" if progress.exercise_minutes else ""
    console = Console()
    clock = f" ({remaining_text(progress)})" if ex.status == "running" else ""
    console.print(
        f"[bold]Exercise {ex.exercise_id}[/bold] {ex.title} — {ex.status}, "
        f"{progress.elapsed_minutes:.1f}{limit} min{clock}"
        + (" [red]PAUSED[/red]" if progress.paused else "")
        + (" [red]OVERDUE[/red]" if progress.overdue else "")
        + f"; cases complete {progress.cases_complete}/{progress.case_count}"
    )
    table = Table(title="Participants")
    columns = ("name", "role", "cases", "decided", "pending", "median s/decision", "last (UTC)")
    for column in columns:
        table.add_column(column)
    for p in progress.participants:
        last = p.last_decision_at.strftime("%H:%M:%S") if p.last_decision_at else "-"
        median = p.median_seconds_per_decision
        table.add_row(
            p.name,
            p.role.value,
            ", ".join(p.assigned_cases) or "-",
            str(p.decisions_made),
            str(p.decisions_pending),
            "-" if median is None else f"{median:.0f}",
            last,
        )
    console.print(table)
    injects = Table(title="Injects")
    for column in ("id", "kind", "title", "due", "released"):
        injects.add_column(column)
    for i in progress.injects:
        due = "manual" if i.release_after_minutes is None else f"{i.release_after_minutes:g} min"
        if i.condition is not None:
            due = f"when {i.condition}"
        out = i.released_at.strftime("%H:%M:%S") if i.released_at else "-"
        injects.add_row(i.inject_key, i.kind, i.title, due, out)
    console.print(injects)


@exercise_app.command("board")
def board(
    role: Annotated[str, typer.Option("--role")] = "reviewer",
    exercise: ExerciseOption = None,
) -> None:
    """A participant's cases, the leads they still have to decide, and injects released."""

    service, store = open_exercises()
    try:
        mine = service.board(acting_as(role_named(role)), chosen_exercise(service, exercise))
    finally:
        store.dispose()
    for c in mine.cases:
        # The rank and Similarity a reviewer sees in the app, so the CLI board can be read
        # without opening each lead.
        leads = (
            ", ".join(
                f"lead {p.lead_id} (rank {p.rank}, Similarity {p.similarity:.2f})"
                for p in c.pending
            )
            or "none"
        )
        typer.echo(f"case {c.case_id}: {c.offense}; leads to decide: {leads}")
    for i in mine.injects:
        typer.echo(f"[{i.kind}] {i.title} — {i.sender}: {i.text}")


@exercise_app.command("decide")
def decide(
    lead_id: Annotated[int, typer.Argument(help="the lead to decide", min=1, max=ROW_ID_MAX)],
    kind: Annotated[
        str, typer.Option("--decision", help="possible-lead, not-a-match, inconclusive")
    ],
    rationale: Annotated[
        str,
        typer.Option(
            "--rationale",
            help=f"why (newlines allowed, no other control characters; at most {PARAGRAPH_MAX})",
            callback=paragraph(),
        ),
    ],
    role: Annotated[str, typer.Option("--role")] = "reviewer",
    exercise: ExerciseOption = None,
) -> None:
    """Decide a lead of one of your cases."""
    from leadreview.domain.decision import DecisionKind
    from leadreview.errors import InputFileError

    try:
        chosen = DecisionKind(kind)
    except ValueError:
        raise InputFileError(f"--decision {kind!r}: use one of {', '.join(DecisionKind)}") from None
    service, store = open_exercises()
    try:
        lead = service.decide(
            acting_as(role_named(role)),
            chosen_exercise(service, exercise),
            lead_id,
            chosen,
            rationale,
        )
    finally:
        store.dispose()
    typer.echo(f"lead {lead.lead_id}: {lead.status.value}")


@exercise_app.command("reveal")
def reveal(exercise: ExerciseOption = None) -> None:
    """Reveal the ground truth (ends the reviewing)."""
    service, store = open_exercises()
    try:
        shown = service.reveal(facilitator(), chosen_exercise(service, exercise))
    finally:
        store.dispose()
    for c in shown.cases:
        mate = (
            f"true mate rank {c.mate_rank} in the gallery, Similarity {c.mate_similarity:.2f}"
            if c.mated and c.mate_similarity is not None
            else "not in the gallery"
        )
        typer.echo(f"{c.case_key}: {mate}; best wrong person {c.top_impostor_similarity:.2f}")
    typer.echo(f"truth sha256 {shown.truth_sha256}")


@exercise_app.command("debrief")
def debrief(
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="the file to write: .html (a page) or .md (Markdown), in a folder that exists",
            callback=output_file(".html", ".htm", ".md"),
        ),
    ],
    exercise: ExerciseOption = None,
) -> None:
    """Write the debrief report (after the reveal)."""
    from leadreview.exercise.report import debrief_report
    from leadreview.exercise.report_markdown import debrief_markdown
    from leadreview.io.atomic import write_atomically

    service, store = open_exercises()
    try:
        report = service.debrief(facilitator(), chosen_exercise(service, exercise))
    finally:
        store.dispose()
    # The suffix chooses the format (the callback refused any other): `x.md` is Markdown.
    render = debrief_markdown if output.suffix.lower() == ".md" else debrief_report
    write_atomically(output, render(report), "debrief")
    typer.echo(f"debrief written to {output}")


@exercise_app.command("export")
def export(
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="the folder to write (created if absent, inside a folder that exists)",
            callback=output_folder,
        ),
    ],
    exercise: ExerciseOption = None,
) -> None:
    """Write the package: report, audit export, signed checkpoint, scenario, README."""
    from leadreview.cli.context import application

    service, store = open_exercises()
    try:
        package = service.export(
            facilitator(), chosen_exercise(service, exercise), output, application().audit_context()
        )
    finally:
        store.dispose()
    typer.echo(
        f"exported {package.events} events and {len(package.files)} files to {package.directory}; "
        f"verify with `leadreview audit verify --from {package.directory} "
        f"--key {package.directory / 'verifier.pub'}`"
    )


@exercise_app.command("close")
def close(
    exercise: Annotated[
        int,
        typer.Option(
            "--exercise",
            min=1,
            max=ROW_ID_MAX,
            help="the exercise to close, always named: closing cannot be undone",
        ),
    ],
) -> None:
    """Close an exercise (named by id: a second `close` must not close another one)."""
    service, store = open_exercises()
    try:
        service.close(facilitator(), exercise)
        title = service.summary(exercise).title
    finally:
        store.dispose()
    typer.echo(f"exercise {exercise} closed: {title}")


def register(app: typer.Typer) -> None:
    app.add_typer(exercise_app, name="exercise")


@exercise_app.command("invite")
def invite(
    name: Annotated[
        str,
        typer.Argument(
            help="the participant's name, as the log will show it", callback=person_name
        ),
    ],
    role: Annotated[str, typer.Option("--role", help="reviewer, supervisor, ...")] = "reviewer",
    expires: Annotated[
        str, typer.Option("--expires", help="how long the code may be used, e.g. 2h")
    ] = "2h",
    exercise: ExerciseOption = None,
) -> None:
    """Issue a one-time join code for NAME in ROLE (the exercise's facilitator; shown once)."""
    chosen = role_named(role)
    from leadreview.exercise.invites import expiry_from_text

    lasts = expiry_from_text(expires)
    service, store = open_exercises()
    try:
        issued = service.invite(
            facilitator(), chosen_exercise(service, exercise), name, chosen, lasts
        )
    finally:
        store.dispose()
    until = f"{issued.expires_at:%Y-%m-%d %H:%M} UTC" if issued.expires_at else "never"
    typer.echo(
        f"invite {issued.invite_id}: {issued.name} as {issued.role.value} in exercise "
        f"{issued.exercise_id}, once, until {until}"
    )
    typer.echo(f"join code (shown only now): {issued.code}")


@exercise_app.command("revoke-invite")
def revoke_invite(
    invite_id: Annotated[
        int,
        typer.Argument(help="the invite's number, as `invite` printed", min=1, max=ROW_ID_MAX),
    ],
    exercise: ExerciseOption = None,
) -> None:
    """Revoke a join code not yet used (the exercise's facilitator)."""
    service, store = open_exercises()
    try:
        done = service.revoke_invite(facilitator(), chosen_exercise(service, exercise), invite_id)
    finally:
        store.dispose()
    typer.echo(f"invite {invite_id}: " + ("revoked" if done else "already used or revoked"))
