"""Alembic environment. The application passes an open connection (already inside a
transaction that holds the migration lock) through `config.attributes["connection"]`;
run from the alembic command line, it connects to the URL given as `-x url=...` or as
`sqlalchemy.url` in the ini file (the store never reads the application's settings)."""

from alembic import context
from sqlmodel import SQLModel

import leadreview.store.tables  # noqa: F401  (registers every table on the metadata)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return

    from leadreview.store.engine import make_engine

    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    if not url:
        raise SystemExit("give the database: alembic -x url=DATABASE_URL ...")
    engine = make_engine(url)
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("leadreview migrations run online only")
run_migrations_online()
