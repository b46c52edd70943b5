"""Alembic environment. The application passes an open connection (already inside a
transaction that holds the migration lock) through `config.attributes["connection"]`;
run from the alembic command line, it connects using the leadreview settings."""

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

    from leadreview.settings import load_settings
    from leadreview.store.engine import make_engine

    engine = make_engine(load_settings().resolved_database_url())
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("leadreview migrations run online only")
run_migrations_online()
