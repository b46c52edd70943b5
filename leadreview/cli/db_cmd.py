"""`leadreview db upgrade|grant|revoke`."""

from typing import Annotated

import typer

from leadreview.cli.bounds import person_name

db_app = typer.Typer(
    help="The database: schema migrations, and roles granted to logins.", no_args_is_help=True
)


@db_app.command("upgrade")
def upgrade() -> None:
    """Bring the database schema to the newest revision (also done on first use)."""
    from leadreview.cli.context import application
    from leadreview.store import make_engine, upgrade_store
    from leadreview.store.store import Store

    store = Store(make_engine(application().settings.resolved_database_url()))
    try:
        before, after = upgrade_store(store)
    finally:
        store.dispose()
    if before == after:
        typer.echo(f"{store.url}: already at revision {after}")
    else:
        typer.echo(f"{store.url}: upgraded from {before or 'an empty database'} to {after}")


LoginArgument = Annotated[
    str, typer.Argument(help="the person's PostgreSQL login", callback=person_name)
]
RoleArgument = Annotated[
    str,
    typer.Argument(help="reviewer, supervisor, investigator, auditor, facilitator or analyst"),
]


@db_app.command("grant")
def grant(login: LoginArgument, role: RoleArgument) -> None:
    """PostgreSQL: let LOGIN act in ROLE (run by the schema's owner; recorded)."""
    _change(login, role, grant=True)


@db_app.command("revoke")
def revoke(login: LoginArgument, role: RoleArgument) -> None:
    """PostgreSQL: stop LOGIN acting in ROLE (run by the schema's owner; recorded)."""
    _change(login, role, grant=False)


def _change(login: str, role_text: str, *, grant: bool) -> None:
    from leadreview.audit.log import AuditLog
    from leadreview.cli.context import application
    from leadreview.domain.roles import Role
    from leadreview.workflow.logins import change_role

    try:
        role = Role(role_text)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise typer.BadParameter(f"role {role_text!r} is not one of {names}") from None
    done = change_role(application().store(), AuditLog(), login, role, grant=grant)
    if grant:
        state = "granted" if done.changed else "already held"
        typer.echo(f"{login}: role {role.value} {state} (by {done.owner})")
    else:
        state = "revoked" if done.changed else "was not held"
        typer.echo(f"{login}: role {role.value} {state} (by {done.owner})")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
