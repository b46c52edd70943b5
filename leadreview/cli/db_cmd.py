"""`leadreview db upgrade`."""

import typer

db_app = typer.Typer(help="The database: schema migrations.", no_args_is_help=True)


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


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
