"""A write transaction on the driver's own connection, for the hot small writes.

`Store.transaction()` hands out an ORM session; beginning, committing and closing one
cost about 45 µs on SQLite, twice a whole one-row insert transaction of the driver, and
its statement handling cost more than the statements of a decision. A `WriteUnit` is the
pooled DBAPI connection and one cursor: the caller writes plain SQL with `?` marks (made
`%s` for psycopg) and gets plain tuples back. Same guarantees as a session's
transaction: on SQLite it begins with BEGIN IMMEDIATE (the writer lock is held before
anything is read), it commits when the block ends and rolls back if it raises. A
driver's error leaves as SQLAlchemy's wrapper of it (IntegrityError, OperationalError …)
so callers handle one family of errors whichever unit they used.
"""

import functools
import os
from collections import deque
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.types import TypeEngine


@functools.lru_cache(maxsize=512)
def _format_marks(sql: str) -> str:
    # Our statements hold no literal '?' or '%': only the parameter marks change.
    return sql.replace("?", "%s")


class WriteUnit:
    """One write transaction: `execute` plain SQL on the driver's cursor."""

    __slots__ = ("_qmark", "cursor", "dialect", "name")

    def __init__(self, cursor: Any, dialect: Dialect) -> None:
        self.cursor = cursor
        self.dialect = dialect
        self.name: str = dialect.name
        self._qmark = dialect.paramstyle == "qmark"

    @property
    def mark(self) -> str:
        """The driver's parameter mark."""
        return "?" if self._qmark else "%s"

    def sql(self, statement: str) -> str:
        """`statement` (written with `?`) in the driver's parameter style."""
        return statement if self._qmark else _format_marks(statement)

    def execute(self, statement: str, parameters: Sequence[Any] = ()) -> Any:
        """Run `statement` (written with `?`); the cursor, to fetch from."""
        cursor = self.cursor
        cursor.execute(statement if self._qmark else _format_marks(statement), parameters)
        return cursor

    def bind(self, kind: TypeEngine[Any]) -> Any:
        """How SQLAlchemy would send a value of column type `kind` (e.g. a datetime on
        SQLite, stored as text), so rows written here read back as the ORM's do."""
        return _bind_processor(kind, self.dialect)

    def result(self, kind: TypeEngine[Any]) -> Any:
        """How SQLAlchemy would read back a value of column type `kind`."""
        return _result_processor(kind, self.dialect)


@functools.lru_cache(maxsize=64)
def _bind_processor(kind: TypeEngine[Any], dialect: Dialect) -> Any:
    # The dialect's own implementation (SQLite's DATETIME writes its text format).
    return kind.dialect_impl(dialect).bind_processor(dialect) or _same


@functools.lru_cache(maxsize=64)
def _result_processor(kind: TypeEngine[Any], dialect: Dialect) -> Any:
    return kind.dialect_impl(dialect).result_processor(dialect, None) or _same


def _same(value: Any) -> Any:
    return value


class KeptConnections:
    """SQLite connections kept for write units, one per unit at a time.

    Checking a connection out of SQLAlchemy's pool and back (its fairy, events and
    reset) cost a fifth of a one-event append on a RAM disk. A unit's connection leaves
    the pool for good (`detach`, after the pool's connect hook set the pragmas) and comes
    back here when the unit ends; `close` ends them all (`Store.dispose`). A connection
    whose rollback failed is closed, never kept. After a fork the parent's connections
    are forgotten, as SQLite requires. PostgreSQL keeps using the pool: its pre-ping
    finds a connection the server dropped, and a round trip dwarfs the checkout."""

    def __init__(self) -> None:
        self._free: deque[tuple[Any, Any]] = deque()
        self._owner = os.getpid()

    def take(self, engine: Engine) -> tuple[Any, Any]:
        """(the pool's handle, the driver's connection)."""
        if self._owner != os.getpid():
            self._free, self._owner = deque(), os.getpid()
        try:
            return self._free.pop()
        except IndexError:
            pooled = engine.raw_connection()
            driver = pooled.driver_connection  # read first: a detached handle forgets it
            pooled.detach()
            return pooled, driver

    def give_back(self, pooled: Any, driver: Any) -> None:
        if self._owner != os.getpid():
            pooled.close()
        else:
            self._free.append((pooled, driver))

    def close(self) -> None:
        """Close the connections not in use; one in use is kept when its unit ends (a
        disposed engine, too, opens connections again when used)."""
        while self._free:
            self._free.pop()[0].close()


class WriteScope:
    """A WriteUnit on a connection of `engine` (kept ones first, on SQLite); committed on
    success, rolled back if the block raises.

    A class, not a generator-based context manager: a decision enters one per write,
    and the generator's machinery cost about as much as the BEGIN it wraps."""

    __slots__ = ("_cursor", "_driver", "_engine", "_keep", "_kept", "_pooled")

    def __init__(self, engine: Engine, kept: KeptConnections | None = None) -> None:
        self._engine = engine
        self._kept = kept
        self._keep = kept is not None and engine.dialect.name == "sqlite"
        self._cursor: Any = None

    def __enter__(self) -> WriteUnit:
        engine, kept = self._engine, self._kept
        dialect = engine.dialect
        # The pool's connect hooks (SQLite's pragmas) ran on either kind of connection.
        if self._keep and kept is not None:
            pooled, driver = kept.take(engine)
        else:
            pooled = engine.raw_connection()
            driver = pooled.driver_connection
        self._pooled, self._driver = pooled, driver
        try:
            self._cursor = driver.cursor()  # one cursor for BEGIN and the unit's statements
            if dialect.name == "sqlite":
                self._cursor.execute("BEGIN IMMEDIATE")
        except BaseException as exc:
            wrapped = self._abandon(exc)
            if wrapped is not None:
                raise wrapped from exc
            raise
        return WriteUnit(self._cursor, dialect)

    def __exit__(self, kind: Any, exc: BaseException | None, traceback: Any) -> None:
        if exc is not None:
            wrapped = self._abandon(exc)
            if wrapped is not None:
                raise wrapped from exc
            return  # `exc` goes on as it was raised
        try:
            self._driver.commit()
        except BaseException as failed:
            wrapped = self._abandon(failed)
            if wrapped is not None:
                raise wrapped from failed
            raise
        self._release(healthy=True)

    def _abandon(self, exc: BaseException) -> BaseException | None:
        """Roll back after `exc` and release the connection; a driver's error comes back
        as SQLAlchemy's wrapper of it, to raise instead (None: raise `exc` itself)."""
        dialect = self._engine.dialect
        self._release(healthy=_roll_back(self._pooled, self._driver))
        if isinstance(exc, dialect.loaded_dbapi.Error):
            return DBAPIError.instance(None, None, exc, dialect.loaded_dbapi.Error, dialect=dialect)
        return None

    def _release(self, *, healthy: bool) -> None:
        if self._cursor is not None:
            self._cursor.close()
            self._cursor = None
        if self._keep and healthy and self._kept is not None:
            self._kept.give_back(self._pooled, self._driver)
        else:
            self._pooled.close()  # back to the pool (which rolls back anything left open)


def _roll_back(pooled: Any, driver: Any) -> bool:
    """Roll back; False (and the connection invalidated) if even that failed."""
    try:
        driver.rollback()
    except Exception:
        # A connection that cannot even roll back is broken: never use it again.
        pooled.invalidate()
        return False
    return True
