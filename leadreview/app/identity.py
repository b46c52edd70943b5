"""Who is acting: the one place a command, the terminal app or `serve` decides it.

No option and no setting names who you are. The principal is established, never
claimed: the operating-system user running the process on SQLite, the database login
(`session_user`) on PostgreSQL, a facilitator's join code in a served room, or an
exercise's clock for the injects it releases on schedule. `--role` only chooses which
of the principal's granted roles they act in; `app.grants` checks it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from leadreview.domain.roles import Actor, Role
from leadreview.errors import InputFileError

# How the name was established (the audit envelope's `auth`, docs/security.md).
AuthenticatedBy = Literal["os-user", "postgres-login", "join-code", "system-clock"]


@dataclass(frozen=True)
class Principal:
    """A person acting in one role, and how the application came to know the name."""

    name: str
    role: Role
    authenticated_by: AuthenticatedBy

    @property
    def actor(self) -> Actor:
        """The domain's view of the principal: what services check and the log records."""
        return Actor(name=self.name, role=self.role)


def os_user() -> str:
    """The operating-system user running this process, named as `audit.log.os_login`
    names the login that stores events (kept apart so that resolving the principal
    loads no SQLAlchemy before the terminal app paints)."""
    import getpass
    import os

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid-{os.getuid()}"


def exercise_clock(exercise_id: int) -> Principal:
    """The system principal that releases an exercise's timed injects: not whoever
    happened to run the command that noticed they were due."""
    return Principal(f"exercise-{exercise_id}-clock", Role.FACILITATOR, "system-clock")


def resolve_principal(
    role: Role,
    *,
    dialect: str = "sqlite",
    session_user: Callable[[], str] | None = None,
) -> Principal:
    """The principal acting in `role`: the login the store was opened with on
    PostgreSQL (`session_user`, called only then, so SQLite never connects for it) and
    the operating-system user everywhere else. Whether they hold `role` is
    `app.grants.check_role`'s question, asked by the composition root."""
    from pydantic import ValidationError

    from leadreview.exercise.system_principals import refuse_reserved

    how: AuthenticatedBy
    if dialect == "postgresql" and session_user is not None:
        name, how, named_by = session_user(), "postgres-login", "PostgreSQL session_user"
    else:
        name, how, named_by = os_user(), "os-user", "operating-system user"
    try:
        Actor(name=name, role=role)
    except ValidationError as exc:
        raise InputFileError(f"{named_by} {name!r}: {exc.errors()[0]['msg']}") from None
    # A login named like the demo's facilitator or an exercise's clock would inherit
    # their exceptions (docs/security.md).
    refuse_reserved(name, named_by)
    return Principal(name=name, role=role, authenticated_by=how)
