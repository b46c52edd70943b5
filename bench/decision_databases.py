"""Where the decision-throughput bench writes: fresh copies of one prepared database.

Every run (the service's or the driver's) starts from the same state, so runs compare:
on SQLite a file on disk copied with SQLite's backup API (bench_decisions' `_copy`), on
PostgreSQL a database of this bench run made with `CREATE DATABASE … TEMPLATE` and
dropped after use. Also the bare driver connections the floor and the checks use.
"""

import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from bench.bench_decisions import _copy

POSTGRES_URL_ENV = "LEADREVIEW_BENCH_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
_CONNECT_TIMEOUT_S = 5


class Databases(Protocol):
    """A backend's template database and fresh copies of it, by URL."""

    backend: str

    def template_url(self) -> str: ...

    def fresh_copy(self, name: str) -> str:
        """The URL of a new copy of the template (finished building) called `name`."""
        ...

    def discard(self, url: str) -> None: ...


@dataclass
class SqliteFiles:
    """Files on disk in a folder of their own; the product opens them (WAL, FULL)."""

    folder: Path
    backend: str = "SQLite"

    def template_url(self) -> str:
        return f"sqlite:///{self.folder / 'template.db'}"

    def fresh_copy(self, name: str) -> str:
        target = self.folder / f"{name}.db"
        _copy(self.folder / "template.db", target)
        return f"sqlite:///{target}"

    def discard(self, url: str) -> None:
        path = Path(url.removeprefix("sqlite:///"))
        for member in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            member.unlink(missing_ok=True)


@dataclass
class PostgresDatabases:
    """Databases named after this bench run on the server of `base_url`, dropped after."""

    base_url: str
    admin: Any  # a psycopg connection in autocommit mode, to the base URL's database
    prefix: str = field(default_factory=lambda: f"leadreview_bench_{os.getpid()}")
    backend: str = "PostgreSQL"
    _made: list[str] = field(default_factory=list)

    def _url(self, database: str) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.base_url).set(database=database).render_as_string(False)

    def template_url(self) -> str:
        name = f"{self.prefix}_template"
        if name not in self._made:
            self.admin.execute(f'CREATE DATABASE "{name}"')
            self._made.append(name)
        return self._url(name)

    def fresh_copy(self, name: str) -> str:
        database = f"{self.prefix}_{name}"
        self.admin.execute(f'CREATE DATABASE "{database}" TEMPLATE "{self.prefix}_template"')
        self._made.append(database)
        return self._url(database)

    def discard(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        database = make_url(url).database or ""
        self.admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        if database in self._made:
            self._made.remove(database)

    def drop_all(self) -> None:
        for database in list(self._made):
            self.admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        self._made.clear()


@contextmanager
def sqlite_files() -> Iterator[SqliteFiles]:
    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as tmp:
        yield SqliteFiles(Path(tmp))


@contextmanager
def postgres_databases() -> Iterator[PostgresDatabases | str]:
    """The server's databases for this run, or one line saying why there are none."""
    import psycopg

    base_url = os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL)
    try:
        admin = psycopg.connect(
            libpq_url(base_url), autocommit=True, connect_timeout=_CONNECT_TIMEOUT_S
        )
    except psycopg.Error as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        where = f"PostgreSQL at {_masked(base_url)} ({POSTGRES_URL_ENV})"
        yield f"{where} is not reachable: {reason}"
        return
    databases = PostgresDatabases(base_url, admin)
    try:
        yield databases
    finally:
        databases.drop_all()
        admin.close()


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL (postgresql+psycopg://…) as libpq takes it (postgresql://…)."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _masked(url: str) -> str:
    from leadreview.store import masked_url

    return masked_url(url)


@contextmanager
def driver_connection(url: str) -> Iterator[tuple[Any, str]]:
    """The bare driver's connection to `url` and its parameter mark, outside any
    transaction (SQLite: autocommit, the product's pragmas and busy timeout; PostgreSQL:
    psycopg in autocommit mode; the caller says BEGIN)."""
    if url.startswith("sqlite:"):
        connection: Any = sqlite3.connect(
            url.removeprefix("sqlite:///"), isolation_level=None, timeout=60.0
        )
        for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON"):
            connection.execute(f"PRAGMA {pragma}")
        mark = "?"
    else:
        import psycopg

        connection = psycopg.connect(libpq_url(url), autocommit=True)
        mark = "%s"
    try:
        yield connection, mark
    finally:
        connection.close()
