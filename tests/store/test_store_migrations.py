"""The schema comes from Alembic migrations, and the table classes agree with it."""

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect
from sqlmodel import SQLModel

import leadreview.store.tables  # noqa: F401  (all tables on the metadata)
from leadreview.store import Store, open_store
from leadreview.store.migrate import (
    HEAD_REVISION,
    current_revision,
    head_revision,
    recorded_revision,
)


def test_open_store_upgrades_to_head_once(database_url: str) -> None:
    first = open_store(url=database_url)
    second = open_store(url=database_url)  # already at head: nothing to do
    try:
        with second.engine.connect() as connection:
            assert current_revision(connection) == head_revision()
    finally:
        first.dispose()
        second.dispose()


def test_the_fast_path_head_is_alembics_head() -> None:
    # open_store skips Alembic when the stored revision equals HEAD_REVISION; a new
    # migration that forgot to move it would never run on existing databases.
    assert head_revision() == HEAD_REVISION


def test_recorded_revision_reads_what_alembic_wrote(database_url: str) -> None:
    store = open_store(url=database_url)
    try:
        with store.engine.connect() as connection:
            assert recorded_revision(connection) == current_revision(connection)
    finally:
        store.dispose()


def test_tables_match_the_migrated_schema(store: Store) -> None:
    inspector = inspect(store.engine)
    for table in SQLModel.metadata.sorted_tables:
        migrated = {c["name"]: c["nullable"] for c in inspector.get_columns(table.name)}
        declared = {c.name: c.nullable for c in table.columns}
        assert migrated == declared, table.name


def test_db_upgrade_command(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "LEADREVIEW_DATA_DIR": str(tmp_path / "nested" / "data"),
    }
    env.pop("LEADREVIEW_DATABASE_URL", None)

    def upgrade() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "leadreview", "db", "upgrade"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )

    first = upgrade()
    assert first.returncode == 0, first.stderr
    assert "upgraded from an empty database" in first.stdout
    assert (tmp_path / "nested" / "data" / "leadreview.db").exists()
    again = upgrade()
    assert "already at revision" in again.stdout


def test_unusable_database_url_is_one_line(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "LEADREVIEW_DATABASE_URL": "postgresql://u:pw@127.0.0.1:1/x",
    }
    result = subprocess.run(
        [sys.executable, "-m", "leadreview", "audit", "verify"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("leadreview: error: database ")
    assert "pw" not in lines[0].replace("postgresql", "")
