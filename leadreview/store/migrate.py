"""Schema migrations, run programmatically: `leadreview db upgrade` and on first use."""

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Any constant will do: concurrent first-use upgrades of one PostgreSQL database queue on
# this transaction-scoped advisory lock instead of racing on CREATE TABLE.
_PG_MIGRATION_LOCK_KEY = 0x1EAD_2E71


def _config(connection: Connection | None = None) -> "Config":
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(engine: Engine) -> tuple[str | None, str | None]:
    """Bring the schema to the newest revision; returns (revision before, revision after).

    Runs in one transaction that first takes the writer lock (SQLite: BEGIN IMMEDIATE,
    which the engine emits; PostgreSQL: an advisory lock), so concurrent first uses are
    safe, and a failed migration leaves the schema as it was.
    """
    from alembic import command

    head = head_revision()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(
                "SELECT pg_advisory_xact_lock(%(key)s)", {"key": _PG_MIGRATION_LOCK_KEY}
            )
        before = current_revision(connection)
        if before != head:
            command.upgrade(_config(connection), "head")
    return before, head
