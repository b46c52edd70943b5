"""Shared fixtures. `database_url` runs a test on SQLite and on PostgreSQL.

PostgreSQL: `LEADREVIEW_TEST_POSTGRES_URL` (default postgresql+psycopg://postgres@
127.0.0.1:5432/test). Each test gets a fresh schema (selected through the connection's
search_path), dropped afterwards, so tests are isolated under pytest-xdist too. If the
server does not answer the PostgreSQL cases skip loudly, except when
`LEADREVIEW_REQUIRE_POSTGRES=1` (CI), where they fail.
"""

import contextlib
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

# Variables that steer the test run itself, not the application: kept from the host.
_HARNESS_ENV = frozenset(
    {"LEADREVIEW_TEST_POSTGRES_URL", "LEADREVIEW_REQUIRE_POSTGRES", "LEADREVIEW_KEEP_SCREENSHOT"}
)
# Bare names a leaky settings model could read; cleared with every AWS_ variable.
_LEAKY_ENV = ("REGION", "PROFILE", "ENDPOINT_URL", "MAX_ATTEMPTS")


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test, and every process it starts, runs away from the developer's machine:
    no LEADREVIEW_ or AWS_ variable of the host; config file, keymap, data directory and
    the platform's config and data directories all inside a folder of the test's own
    (beside `tmp_path`, which stays empty for the test; the config file and keymap are
    absent unless a test writes them); dummy AWS credentials, no
    shared AWS files (`tmp_path / "aws-config"` and `"aws-credentials"`, absent until a
    test writes them) and no instance metadata, so nothing can leave the box. Tests set
    what they need on top of this. Returns the folder (`home / "data"` is the data dir)."""
    home = tmp_path_factory.mktemp("home")
    for name in list(os.environ):
        leadreview = name.startswith("LEADREVIEW_") and name not in _HARNESS_ENV
        if leadreview or name.startswith("AWS_") or name in _LEAKY_ENV:
            monkeypatch.delenv(name)
    monkeypatch.setenv("LEADREVIEW_CONFIG", str(home / "config.toml"))
    monkeypatch.setenv("LEADREVIEW_KEYMAP_FILE", str(home / "keymap.toml"))
    monkeypatch.setenv("LEADREVIEW_DATA_DIR", str(home / "data"))
    # The defaults (signing key beside the config, data dir) come from platformdirs.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "xdg-data"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # The compiled loops' choice is process-wide (a command sets it at start): each test
    # starts from the defaults, whatever an earlier one in this worker ran.
    from leadreview import compiled_paths

    monkeypatch.setattr(compiled_paths, "_chosen", [compiled_paths.CompiledPaths()])
    return home


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
    with fresh_postgres_schema() as url:
        yield url


@contextlib.contextmanager
def fresh_postgres_schema() -> Iterator[str]:
    """A URL whose connections all use a fresh, private schema, dropped on leaving; for
    fixtures of a wider scope than a test (the fuzzing harness's workspace)."""
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


@pytest.fixture
def sqlite_store(sqlite_url: str) -> "Iterator[Store]":
    """A migrated store on `sqlite_url`, disposed of after the test."""
    from leadreview.store import open_store

    opened = open_store(url=sqlite_url)
    try:
        yield opened
    finally:
        opened.dispose()


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
