"""Who is acting: the one place a command, the terminal app or `serve` decides it.

Before this module the actor was worked out six ways (each CLI command group, the audit
viewer, the report, the terminal app). Now every entry point asks `resolve_principal`,
which says not only who but how we know: the operating-system user on SQLite, the
database login (`session_user`) on PostgreSQL, or a name asserted on the command line
or in the settings, which nothing checks.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from leadreview.domain.roles import Actor, Role
from leadreview.errors import InputFileError

# How the name was established. "asserted" is a name given by an option (`--actor`,
# `--as`, `--reviewer`) or by the `actor` setting: taken on trust, recorded as given.
AuthenticatedBy = Literal["os-user", "postgres-login", "asserted"]


@dataclass(frozen=True)
class Principal:
    """A person acting in one role, and how the application came to believe the name."""

    name: str
    role: Role
    authenticated_by: AuthenticatedBy

    @property
    def actor(self) -> Actor:
        """The domain's view of the principal: what services check and the log records."""
        return Actor(name=self.name, role=self.role)


def os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def resolve_principal(
    role: Role,
    *,
    asserted: str | None = None,
    configured: str | None = None,
    dialect: str = "sqlite",
    session_user: Callable[[], str] | None = None,
    named_by: str = "--actor",
) -> Principal:
    """The principal acting in `role`.

    A name given on the command line (`asserted`) wins, then the `actor` setting
    (`configured`); otherwise the login the store was opened with on PostgreSQL
    (`session_user`, called only then, so SQLite never connects for it) and the
    operating-system user everywhere else. A name the audit log cannot seal is a
    user error naming the option it came from.
    """
    from pydantic import ValidationError

    how: AuthenticatedBy
    if asserted:
        name, how = asserted, "asserted"
    elif configured:
        name, how, named_by = configured, "asserted", "actor setting"
    elif dialect == "postgresql" and session_user is not None:
        name, how, named_by = session_user(), "postgres-login", "PostgreSQL session_user"
    else:
        name, how, named_by = os_user(), "os-user", "operating-system user"
    try:
        Actor(name=name, role=role)
    except ValidationError as exc:
        raise InputFileError(f"{named_by} {name!r}: {exc.errors()[0]['msg']}") from None
    return Principal(name=name, role=role, authenticated_by=how)
