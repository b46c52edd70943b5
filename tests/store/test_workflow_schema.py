"""The workflow's table classes and its Alembic revision describe the same schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from leadreview.store.store import Store
from leadreview.store.tables.workflow import WORKFLOW_TABLES
from leadreview.workflow.sql import table_of


def test_the_migration_creates_exactly_the_declared_workflow_tables(store: Store) -> None:
    declared = MetaData()
    for model in WORKFLOW_TABLES:
        table_of(model).to_metadata(declared)
    names = set(declared.tables)
    with store.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_name": lambda name, kind, _parent: kind != "table" or name in names,
            },
        )
        differences = compare_metadata(context, declared)
    assert differences == []
