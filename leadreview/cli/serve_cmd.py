"""`leadreview serve`: the same review app in browsers, via textual-serve.

Listens on loopback unless told otherwise; WebSockets are accepted only from the served
page's own origin, and the page loads nothing from the internet (see `tui/serving.py`).
Every browser session runs its own `leadreview tui` process on the shared database, so
reviewers in a room each act as themselves while the audit log stays one chain. Use
PostgreSQL for many reviewers at once; SQLite serialises writers but works for a room.
"""

import shlex
import sys
from typing import Annotated

import typer

from leadreview.cli.bounds import MAX_IDLE_SECONDS, MIN_IDLE_SECONDS
from leadreview.cli.options import DatabaseOption, DemoOption
from leadreview.domain.roles import Role


def serve_command_line(*, database: str | None, demo: bool, idle_seconds: int) -> str:
    """The command each browser session runs: this interpreter, half-block pictures (a
    browser terminal shows no terminal graphics), no demo seeding (done once here), and a
    sign-in that asks for a join code: each browser is a different person, proven by the
    code the facilitator gave them (`exercise invite`), never by a name they type. A
    session left without a key or a click for `idle_seconds` ends (and is recorded)."""
    parts = [sys.executable, "-m", "leadreview", "tui", "--pictures", "halfblock"]
    parts += ["--no-seed-demo", "--join-code", "--idle-timeout", str(idle_seconds)]
    if database:
        parts += ["--database", database]
    if not demo:
        parts.append("--no-demo")
    return shlex.join(parts)


def serve(
    host: Annotated[
        str,
        typer.Option("--host", help="interface to listen on (default loopback: this machine only)"),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    public_url: Annotated[
        str | None, typer.Option("--public-url", help="the URL browsers use, behind a proxy")
    ] = None,
    database: DatabaseOption = None,
    demo: DemoOption = True,
    idle_timeout: Annotated[
        int | None,
        typer.Option(
            "--idle-timeout",
            min=MIN_IDLE_SECONDS,
            max=MAX_IDLE_SECONDS,
            help="seconds without a key or a click after which a browser session ends "
            "(recorded as session.timed_out); default: the serve_idle_seconds setting, 1800",
        ),
    ] = None,
) -> None:
    """Serve the review app to browsers (one process per browser session); each signs in
    with a join code from `leadreview exercise invite`."""
    from leadreview.cli.context import application
    from leadreview.cli.waiting import require_free_port
    from leadreview.errors import ConfigurationError
    from leadreview.tui.factory import open_session
    from leadreview.tui.serving import GuardedServer, describe, is_loopback

    if public_url is not None:
        _check_public_url(public_url)
    require_free_port(host, port)
    app = application() if database is None else application().with_database(database)
    # Open the store (and the demo's cases) once, here, so sessions never race to do it.
    # Whoever serves the room runs it: checked as the facilitator, like `exercise invite`.
    session = open_session(app, role=Role.FACILITATOR, demo=demo)
    session.gateway.list_cases(session.actor)
    session.store.dispose()
    idle_seconds = app.settings.serve_idle_seconds if idle_timeout is None else idle_timeout
    command = serve_command_line(database=database, demo=demo, idle_seconds=idle_seconds)
    server = GuardedServer(
        command, host=host, port=port, public_url=public_url, idle_seconds=idle_seconds
    )
    if not is_loopback(host):
        # Told to listen beyond this machine: say so, every time.
        typer.echo(
            f"leadreview: serving on {host}:{port}, reachable from other machines; "
            f"browsers are accepted only from {describe(server.origins)}",
            err=True,
        )
    try:
        server.serve()
    except OSError as exc:  # the port was taken between the check and the bind
        raise ConfigurationError(
            f"--port {port} on {host}: cannot listen ({exc.strerror or exc})"
        ) from None


def _check_public_url(url: str) -> None:
    """The URL browsers use must be one they can open: it becomes the page's WebSocket
    address and the one origin accepted. An empty or schemeless value used to be served."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise typer.BadParameter(f"{url!r}: {exc}", param_hint="--public-url") from None
    if parts.scheme not in ("http", "https") or not host:
        raise typer.BadParameter(
            f"{url!r}: use an http:// or https:// URL with a host", param_hint="--public-url"
        )


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
