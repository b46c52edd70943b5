"""The application a command runs in: built by the root callback, found from any command.

`leadreview.cli.app`'s root callback makes one `Application` (the composition root, see
`leadreview.app.bootstrap`), puts it on typer's `ctx.obj` and makes it current here;
commands ask `application()` for it instead of reading settings or opening stores
themselves. A context variable rather than click's current context because typer
(0.16 and later) runs commands under its own copy of click, whose context stack the
`click` package cannot see. A command function called outside a CLI run (a test calling
it directly) gets a fresh application of its own.
"""

from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from leadreview.app.bootstrap import Application

_current: "ContextVar[Application | None]" = ContextVar("leadreview_application", default=None)


def enter(application: "Application") -> None:
    """Make `application` the one commands get, until `leave`."""
    _current.set(application)


def leave() -> None:
    application = _current.get()
    _current.set(None)
    if application is not None:
        application.close()


def application() -> "Application":
    current = _current.get()
    if current is None:
        from leadreview.app.bootstrap import bootstrap

        return bootstrap()
    return current
