"""The exercise table classes and the Alembic revision `0003_exercise` describe one schema."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from leadreview.store.migrate import head_revision
from leadreview.store.store import Store
from leadreview.store.tables.exercise import EXERCISE_TABLES
from leadreview.store.tables.workflow import WORKFLOW_TABLES
from leadreview.workflow.sql import table_of

MIGRATIONS = Path(__file__).parents[1] / "leadreview" / "store" / "migrations" / "versions"


def test_the_migration_creates_exactly_the_declared_exercise_tables(store: Store) -> None:
    # 0003_exercise is in the chain that the store is migrated along (later revisions,
    # such as 0004_merkle, add other tables).
    from alembic.script import ScriptDirectory

    from leadreview.store.migrate import _config

    chain = [r.revision for r in ScriptDirectory.from_config(_config()).walk_revisions()]
    assert "0003_exercise" in chain and chain[0] == head_revision()
    declared = MetaData()
    for model in EXERCISE_TABLES:
        table_of(model).to_metadata(declared)
    names = set(declared.tables)
    # The tables they refer to, so that foreign keys resolve; compared by their own test.
    for model in WORKFLOW_TABLES:
        table_of(model).to_metadata(declared)
    with store.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_name": lambda name, kind, _parent: kind != "table" or name in names,
                "include_object": lambda obj, _name, _kind, _reflected, _other: (
                    getattr(obj, "name", None) in names
                    or getattr(getattr(obj, "table", None), "name", None) in names
                ),
            },
        )
        differences = compare_metadata(context, declared)
    assert differences == []
