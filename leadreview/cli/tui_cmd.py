"""`leadreview tui` (and `leadreview` alone): the review app in this terminal.

Textual, the store and the demo world are imported inside the command, so that
`leadreview --help` and the other commands stay fast.
"""

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from leadreview.cli.bounds import MAX_IDLE_SECONDS, MIN_IDLE_SECONDS
from leadreview.cli.options import DatabaseOption, DemoOption
from leadreview.domain.roles import Actor, Role

if TYPE_CHECKING:
    from leadreview.tui.app import LeadReviewApp


class PictureChoice(StrEnum):
    AUTO = "auto"
    GRAPHICS = "graphics"
    HALFBLOCK = "halfblock"


RoleOption = Annotated[Role, typer.Option("--role", help="which of your granted roles to act in")]
PicturesOption = Annotated[
    PictureChoice, typer.Option("--pictures", help="terminal graphics or half-block characters")
]
ThemeOption = Annotated[str | None, typer.Option("--theme", help="a Textual theme name")]
JoinCodeOption = Annotated[
    bool,
    typer.Option("--join-code", hidden=True, help="a served session: sign in with a join code"),
]
IdleOption = Annotated[
    int | None,
    typer.Option(
        "--idle-timeout",
        hidden=True,
        min=MIN_IDLE_SECONDS,
        max=MAX_IDLE_SECONDS,
        help="a served session: end it after this many seconds without a key or a click",
    ),
]
SeedOption = Annotated[
    bool,
    typer.Option("--seed-demo/--no-seed-demo", hidden=True, help="open the demo's cases if none"),
]


def tui(
    role: RoleOption = Role.REVIEWER,
    database: DatabaseOption = None,
    demo: DemoOption = True,
    pictures: PicturesOption = PictureChoice.AUTO,
    theme: ThemeOption = None,
    seed_demo: SeedOption = True,
    join_code: JoinCodeOption = False,
    idle_timeout: IdleOption = None,
) -> None:
    """Review leads in the terminal (the default when no command is given)."""
    from leadreview.cli.waiting import require_terminal
    from leadreview.errors import LeadreviewError, PermissionRefused
    from leadreview.tui.pictures import detect_picture_mode

    # Without a terminal Textual never returns; say so instead of spinning. But who
    # acts, in a role they hold, is settled first: a refusal is on record and ends in
    # its own line (exit 3) whether or not a terminal is attached.
    try:
        require_terminal()
    except LeadreviewError as no_terminal:
        if not join_code:
            from leadreview.cli.context import application

            chosen = application() if database is None else application().with_database(database)
            try:
                chosen.principal(role)
            except PermissionRefused:
                raise
            except LeadreviewError:
                raise no_terminal from None  # the database is another matter: the terminal first
        raise
    # Before Textual takes the terminal: textual-image can only ask it now.
    mode = detect_picture_mode(pictures.value)
    app = build_app(
        role=role,
        database=database,
        demo=demo,
        picture_mode=mode,
        theme=theme,
        seed_demo=seed_demo,
        join_code=join_code,
        idle_seconds=idle_timeout,
    )
    app.run()


def build_app(
    *,
    role: Role,
    database: str | None,
    demo: bool = True,
    picture_mode: str = "halfblock",
    theme: str | None = None,
    seed_demo: bool = True,
    keymap_path: Path | None = None,
    join_code: bool = False,
    idle_seconds: int | None = None,
) -> "LeadReviewApp":
    from leadreview.cli.context import application
    from leadreview.tui.app import LeadReviewApp, known_binding_ids
    from leadreview.tui.factory import lazy_gateway
    from leadreview.tui.keymap import load_keymap

    app = application() if database is None else application().with_database(database)
    keymap = dict(app.settings.keymap)
    keymap.update(load_keymap(known_binding_ids(), keymap_path=keymap_path))
    if join_code:
        # A session of `serve`: this process runs as the server's OS user, not as the
        # participant; who acts is whoever the join code names, and every event says so.
        app.authenticated_by = "join-code"
        actor = Actor(name="unauthenticated", role=Role.REVIEWER)  # until signed in
    else:
        actor = app.principal(role).actor
    # The store is opened by the first worker, after the first paint (see ServiceGateway).
    gateway = lazy_gateway(app, demo=demo, seed_demo=seed_demo)
    return LeadReviewApp(
        gateway,
        actor,
        keymap=keymap,
        picture_mode="graphics" if picture_mode == "graphics" else "halfblock",
        theme=theme,
        join_code=join_code,
        idle_seconds=idle_seconds,
    )


def register(app: typer.Typer) -> None:
    app.command("tui")(tui)
