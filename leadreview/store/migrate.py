"""Schema migrations, run programmatically: `leadreview db upgrade` and on first use."""

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest revision. Every command that opens the store checks the schema; reading this
# one row spares importing Alembic and scanning the scripts when nothing is to be done.
# A test holds it equal to Alembic's own head: a new revision must update it.
HEAD_REVISION = "0009_chain_link_checked"
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


def recorded_revision(connection: Connection) -> str | None:
    """The schema's revision as stored, without Alembic; None if there is none yet."""
    from sqlalchemy import inspect

    if not inspect(connection).has_table("alembic_version"):
        return None
    row = connection.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    return None if row is None else str(row[0])


def _refuse_unknown_revision(revision: str | None) -> None:
    """A schema stamped with a revision this version does not know (a newer leadreview, or
    a hand-edited alembic_version) cannot be upgraded; say so instead of Alembic's
    CommandError traceback."""
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    from leadreview.errors import ConfigurationError

    if revision is None:
        return
    try:
        ScriptDirectory.from_config(_config()).get_revision(revision)
    except CommandError:
        raise ConfigurationError(
            f"the database schema is at revision {revision[:64]!r}, which this version of "
            f"leadreview does not know (newest: {HEAD_REVISION}); use the leadreview that "
            "created it, or a new database"
        ) from None


def upgrade_to_head(engine: Engine) -> tuple[str | None, str | None]:
    """Bring the schema to the newest revision; returns (revision before, revision after).

    Runs in one transaction that first takes the writer lock (SQLite: BEGIN IMMEDIATE,
    which the engine emits; PostgreSQL: an advisory lock), so concurrent first uses are
    safe, and a failed migration leaves the schema as it was.
    """
    with engine.connect() as connection:
        if recorded_revision(connection) == HEAD_REVISION:
            return HEAD_REVISION, HEAD_REVISION
    from alembic import command

    head = head_revision()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(
                "SELECT pg_advisory_xact_lock(%(key)s)", {"key": _PG_MIGRATION_LOCK_KEY}
            )
        before = current_revision(connection)
        if before != head:
            _refuse_unknown_revision(before)
            command.upgrade(_config(connection), "head")
            if connection.dialect.name == "postgresql":
                # Tables added by any migration get the application's privileges.
                from leadreview.store.privileges import apply_app_privileges

                apply_app_privileges(connection)
    return before, head
