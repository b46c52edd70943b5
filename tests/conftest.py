"""Shared fixtures. `database_url` runs a test on SQLite and on PostgreSQL.

PostgreSQL: `LEADREVIEW_TEST_POSTGRES_URL` (default postgresql+psycopg://postgres@
127.0.0.1:5432/test). Each test gets a fresh schema (selected through the connection's
search_path), dropped afterwards, so tests are isolated under pytest-xdist too. If the
server does not answer the PostgreSQL cases skip loudly, except when
`LEADREVIEW_REQUIRE_POSTGRES=1` (CI), where they fail.
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from leadreview.audit.service import AuditContext
    from leadreview.store import Store

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_base_url() -> str:
    return os.environ.get("LEADREVIEW_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def _postgres_unavailable(reason: str) -> None:
    message = f"PostgreSQL at {postgres_base_url()} is not usable: {reason}"
    if os.environ.get("LEADREVIEW_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{message} (LEADREVIEW_REQUIRE_POSTGRES=1 forbids skipping)")
    pytest.skip(f"SKIPPING POSTGRESQL TEST — {message}")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose connections all use a fresh, private schema; dropped after the test."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    base = make_url(postgres_base_url())
    if base.drivername == "postgresql":
        base = base.set(drivername="postgresql+psycopg")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=_null_pool())
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except SQLAlchemyError as exc:
        admin.dispose()
        _postgres_unavailable(str(exc.orig if hasattr(exc, "orig") else exc).splitlines()[0])
    url = base.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _null_pool() -> type:
    from sqlalchemy.pool import NullPool

    return NullPool


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'leadreview.db'}"


@pytest.fixture(
    params=[
        pytest.param("sqlite"),
        pytest.param("postgresql", marks=pytest.mark.postgres),
    ]
)
def database_url(request: pytest.FixtureRequest) -> str:
    """The same test on both backends."""
    name = "postgres_url" if request.param == "postgresql" else "sqlite_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
def store(database_url: str) -> "Iterator[Store]":
    """An upgraded store on each backend, disposed after the test."""
    from leadreview.store import open_store

    opened = open_store(url=database_url)
    try:
        yield opened
    finally:
        opened.dispose()


@pytest.fixture
def audit_context(tmp_path: Path) -> "AuditContext":
    """A signing key and a checkpoint directory of the test's own."""
    from leadreview.audit.service import AuditContext

    return AuditContext(
        key_path=tmp_path / "config" / "checkpoint-signing.key",
        checkpoint_dir=tmp_path / "data" / "checkpoints",
        origin="test.leadreview.local/audit",
    )
