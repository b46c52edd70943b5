"""Engines for the two supported backends: SQLite (embedded default) and PostgreSQL.

Every SQLite connection is configured the same way, because the audit log's promises rest
on it: WAL with `synchronous=FULL` (NORMAL can lose the last commits on power loss in
WAL mode), `recursive_triggers=ON` (so `INSERT OR REPLACE` fires the delete guard),
foreign keys, and a busy timeout so concurrent writers queue instead of failing. We also
take over BEGIN from the sqlite3 module so that write transactions start with
`BEGIN IMMEDIATE`: the writer lock is held *before* the audit head is read.
"""

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from leadreview.errors import ConfigurationError

SQLITE_BUSY_TIMEOUT_MS = 60_000
# Seconds to wait for a PostgreSQL server to answer before one line says it did not.
DB_CONNECT_TIMEOUT_S = 10
# Execution option naming how a SQLite transaction begins. Writers use the default
# (IMMEDIATE); long readers such as `verify` ask for DEFERRED so they do not block writers.
SQLITE_BEGIN_OPTION = "leadreview_sqlite_begin"
SQLITE_BEGIN_MODES = frozenset({"DEFERRED", "IMMEDIATE", "EXCLUSIVE"})


def masked_url(url: str | URL) -> str:
    """The URL as a user may see it: the password, if any, replaced by ***."""
    try:
        parsed = make_url(url) if isinstance(url, str) else url
    except ArgumentError:
        return str(url)
    return parsed.render_as_string(hide_password=True)


def parse_database_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError(
            f"database URL {url!r} is not a SQLAlchemy URL "
            "(expected sqlite:///PATH or postgresql+psycopg://USER@HOST/DB)"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "postgresql" and parsed.drivername == "postgresql":
        # The only PostgreSQL driver we ship is psycopg 3.
        parsed = parsed.set(drivername="postgresql+psycopg")
    if backend not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            f"database URL {masked_url(parsed)}: backend {backend!r} is not supported "
            "(use sqlite or postgresql)"
        )
    return parsed


def make_engine(url: str) -> Engine:
    """An engine for `url`; nothing connects until first use."""
    parsed = parse_database_url(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            return _sqlite_engine(parsed)
        return create_engine(parsed, pool_pre_ping=True, connect_args=_connect_args(parsed))
    except (NoSuchModuleError, ImportError) as exc:
        raise ConfigurationError(
            f"database URL {masked_url(parsed)}: driver not available ({exc})"
        ) from None


def _connect_args(url: URL) -> dict[str, Any]:
    """A server that does not answer (a filtered port, an unroutable host) would otherwise
    hold a command for the operating system's TCP timeout, minutes; the URL may set its own
    `connect_timeout`."""
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        return {"connect_timeout": DB_CONNECT_TIMEOUT_S}
    return {}


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        _prepare_private_file(url, Path(database).expanduser())
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _configure_sqlite_connection)
    event.listen(engine, "begin", _begin_sqlite_transaction)
    return engine


def _prepare_private_file(url: URL, path: Path) -> None:
    """Create the database's folder (0700) and file (0600) readable by the owner only.

    The database holds ground truth and who decided what; another local user must not
    read it. SQLite creates the -wal and -shm files with the database file's own mode, so
    making the file private first covers them too. An existing file of ours that others
    can read is narrowed to 0600; a folder that already existed is left as it is (it may
    be shared on purpose), but folders we create are private.
    """
    missing = [p for p in [path.parent, *path.parent.parents] if not p.exists()]
    try:
        for folder in reversed(missing):
            folder.mkdir(mode=0o700, exist_ok=True)  # exist_ok: a concurrent first use
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        _narrow_to_owner(path)
    except OSError as exc:
        raise ConfigurationError(
            f"database URL {masked_url(url)}: cannot create {exc.filename or path}: "
            f"{exc.strerror or exc}"
        ) from None


def _narrow_to_owner(path: Path) -> None:
    for member in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            status = member.stat()
        except FileNotFoundError:
            continue
        if status.st_uid == os.getuid() and status.st_mode & 0o077:
            member.chmod(status.st_mode & 0o700)


def _configure_sqlite_connection(dbapi_connection: Any, _record: object) -> None:
    # Disable the sqlite3 module's own implicit BEGIN: `_begin_sqlite_transaction` emits it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA recursive_triggers = ON")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _begin_sqlite_transaction(connection: Connection) -> None:
    mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "IMMEDIATE")
    if mode not in SQLITE_BEGIN_MODES:
        raise ValueError(f"unknown SQLite BEGIN mode {mode!r}")
    # Straight to the driver: through exec_driver_sql this BEGIN cost more than the
    # one-event append that follows it (every decision's transaction starts here).
    dbapi = connection.connection.dbapi_connection
    assert dbapi is not None
    dbapi.execute(f"BEGIN {mode}")
