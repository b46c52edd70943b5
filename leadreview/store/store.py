"""Opening the store and units of work.

`open_store(url)` makes the engine, checks that the database answers, and upgrades
the schema to head. Services then do their work in `store.transaction()`: one session,
one transaction, committed when the block ends and rolled back if it raises, so a decision
and its audit event are written together or not at all. `store.writing()` is the same
unit of work on the driver's connection, without the session, for the hot small writes.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlmodel import Session

from leadreview.errors import ConfigurationError, PermissionRefused
from leadreview.store.engine import SQLITE_BEGIN_OPTION, make_engine, masked_url
from leadreview.store.unit import KeptConnections, WriteScope

_INSUFFICIENT_PRIVILEGE = "42501"  # PostgreSQL's SQLSTATE for a refused privilege


@dataclass(frozen=True)
class Store:
    """An engine plus the ways to work with it. Cheap to pass around; one per process."""

    engine: Engine
    # SQLite connections for `writing()`, kept out of the pool (store/unit.py).
    _kept: KeptConnections = field(default_factory=KeptConnections, compare=False, repr=False)

    @property
    def url(self) -> str:
        return masked_url(self.engine.url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A unit of work for writing. On SQLite it begins with BEGIN IMMEDIATE (the
        writer lock is taken before anything is read); commits on success."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    def writing(self) -> WriteScope:
        """A unit of work for a small hot write (a decision, a one-event append): the
        same transaction as `transaction()` without the ORM session (store/unit.py)."""
        return WriteScope(self.engine, self._kept)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only unit of work that never takes the SQLite writer lock."""
        engine = self.engine.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"})
        with Session(engine) as session:
            try:
                yield session
            finally:
                session.rollback()

    def dispose(self) -> None:
        self._kept.close()
        self.engine.dispose()


def open_store(url: str) -> Store:
    """The store for `url`, schema upgraded to head. The URL comes from the composition
    root (`leadreview.app`), which reads the settings; the store never does.

    An unreachable or unusable database becomes one ConfigurationError naming the URL.
    """
    engine = make_engine(url)
    store = Store(engine)
    upgrade_store(store)
    return store


def upgrade_store(store: Store) -> tuple[str | None, str | None]:
    """Upgrade the schema to head; (revision before, revision after)."""
    from leadreview.store.migrate import upgrade_to_head

    try:
        with store.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return upgrade_to_head(store.engine)
    except DBAPIError as exc:
        store.dispose()
        reason = _first_line(exc.orig) or type(exc.orig).__name__
        if getattr(exc.orig, "sqlstate", None) == _INSUFFICIENT_PRIVILEGE:
            # A login the owner never granted a role: it cannot even read the schema's
            # revision. Say what to do, not only what PostgreSQL refused.
            login = store.engine.url.username
            raise PermissionRefused(
                f"database {store.url}: {reason}: login {login!r} holds no leadreview role;"
                f" the schema's owner grants one (`leadreview db grant {login} ROLE`)"
            ) from None
        raise ConfigurationError(f"database {store.url}: {reason}") from None
    except SQLAlchemyError as exc:
        store.dispose()
        raise ConfigurationError(f"database {store.url}: {_first_line(exc)}") from None


def _first_line(error: BaseException | None) -> str:
    lines = str(error or "").strip().splitlines()
    return lines[0] if lines else ""
