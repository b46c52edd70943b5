"""`leadreview tui` (and `leadreview` alone): the review app in this terminal.

Textual, the store and the demo world are imported inside the command, so that
`leadreview --help` and the other commands stay fast.
"""

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from leadreview.domain.roles import Role

if TYPE_CHECKING:
    from leadreview.tui.app import LeadReviewApp


class PictureChoice(StrEnum):
    AUTO = "auto"
    GRAPHICS = "graphics"
    HALFBLOCK = "halfblock"


ReviewerOption = Annotated[
    str | None, typer.Option("--reviewer", help="who reviews (default: settings, then OS user)")
]
RoleOption = Annotated[Role, typer.Option("--role", help="the role to act in")]
DatabaseOption = Annotated[
    str | None,
    typer.Option("--database", help="SQLAlchemy URL (default: SQLite in the data directory)"),
]
DemoOption = Annotated[
    bool, typer.Option("--demo/--no-demo", help="use the bundled demo world and its cases")
]
PicturesOption = Annotated[
    PictureChoice, typer.Option("--pictures", help="terminal graphics or half-block characters")
]
ThemeOption = Annotated[str | None, typer.Option("--theme", help="a Textual theme name")]
AskNameOption = Annotated[
    bool, typer.Option("--ask-name", hidden=True, help="ask who is reviewing first (serve)")
]
SeedOption = Annotated[
    bool,
    typer.Option("--seed-demo/--no-seed-demo", hidden=True, help="open the demo's cases if none"),
]


def tui(
    reviewer: ReviewerOption = None,
    role: RoleOption = Role.REVIEWER,
    database: DatabaseOption = None,
    demo: DemoOption = True,
    pictures: PicturesOption = PictureChoice.AUTO,
    theme: ThemeOption = None,
    seed_demo: SeedOption = True,
    ask_name: AskNameOption = False,
) -> None:
    """Review leads in the terminal (the default when no command is given)."""
    from leadreview.cli.waiting import require_terminal
    from leadreview.tui.pictures import detect_picture_mode

    # Without a terminal Textual never returns; say so instead of spinning.
    require_terminal()
    # Before Textual takes the terminal: textual-image can only ask it now.
    mode = detect_picture_mode(pictures.value)
    app = build_app(
        reviewer=reviewer,
        role=role,
        database=database,
        demo=demo,
        picture_mode=mode,
        theme=theme,
        seed_demo=seed_demo,
        ask_name=ask_name,
    )
    app.run()


def build_app(
    *,
    reviewer: str | None,
    role: Role,
    database: str | None,
    demo: bool = True,
    picture_mode: str = "halfblock",
    theme: str | None = None,
    seed_demo: bool = True,
    keymap_path: Path | None = None,
    ask_name: bool = False,
) -> "LeadReviewApp":
    from leadreview.cli.context import application
    from leadreview.tui.app import LeadReviewApp, known_binding_ids
    from leadreview.tui.factory import lazy_gateway
    from leadreview.tui.keymap import load_keymap

    app = application() if database is None else application().with_database(database)
    keymap = dict(app.settings.keymap)
    keymap.update(load_keymap(known_binding_ids(), keymap_path=keymap_path))
    actor = app.principal(role, reviewer, named_by="--reviewer").actor
    # The store is opened by the first worker, after the first paint (see ServiceGateway).
    gateway = lazy_gateway(app, demo=demo, seed_demo=seed_demo)
    return LeadReviewApp(
        gateway,
        actor,
        keymap=keymap,
        picture_mode="graphics" if picture_mode == "graphics" else "halfblock",
        theme=theme,
        ask_name=ask_name,
    )


def register(app: typer.Typer) -> None:
    app.command("tui")(tui)
