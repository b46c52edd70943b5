"""`Store.writing()`: the session-less write transaction a decision runs in, on SQLite and
PostgreSQL — it commits, it rolls back, it holds the writer lock, its errors are
SQLAlchemy's, and what it writes reads back as the ORM's writes do."""

import sqlite3
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from leadreview.audit import AuditLog, NewEvent
from leadreview.audit.service import verify_store
from leadreview.store import Store
from leadreview.store.tables.workflow import ReviewerRow
from leadreview.workflow.sql import as_utc


class DeliberateError(Exception):
    pass


def _events(store: Store) -> int:
    with store.reading() as session:
        return int(session.execute(text("SELECT count(*) FROM audit_event")).scalar_one())


def test_a_unit_commits_its_append_and_rolls_back_on_error(store: Store) -> None:
    log = AuditLog()
    with store.writing() as unit:
        sealed = log.append_many(unit, [NewEvent("ann", "reviewer", "t", {"n": 1})])
    with pytest.raises(DeliberateError), store.writing() as unit:
        log.append_many(unit, [NewEvent("ann", "reviewer", "t", {"n": 2})])
        raise DeliberateError
    # The kept tree edge of the rolled-back append must not be used: the next append
    # (in a session this time) extends the committed log.
    with store.transaction() as session:
        log.append(session, actor="ann", role="reviewer", event_type="t", payload={"n": 3})
    assert _events(store) == 2
    assert sealed[0].seq == 1 and sealed[0].payload == {"n": 1}
    assert verify_store(store).ok


def test_a_driver_error_leaves_as_sqlalchemys_and_nothing_is_written(store: Store) -> None:
    now = datetime(2025, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    insert = "INSERT INTO reviewer (name, role, registered_at) VALUES (?, ?, ?)"
    with pytest.raises(IntegrityError), store.writing() as unit:
        when = unit.bind(ReviewerRow.__table__.c.registered_at.type)(now)  # type: ignore[attr-defined]
        unit.execute(insert, ("ann", "reviewer", when))
        unit.execute(insert, ("ann", "reviewer", when))  # uq_reviewer_name_role
    with store.reading() as session:
        assert session.execute(text("SELECT count(*) FROM reviewer")).scalar_one() == 0


def test_a_datetime_written_in_a_unit_reads_back_as_the_orms(store: Store) -> None:
    now = datetime(2025, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    kind = ReviewerRow.__table__.c.registered_at.type  # type: ignore[attr-defined]
    with store.writing() as unit:
        unit.execute(
            "INSERT INTO reviewer (name, role, registered_at) VALUES (?, ?, ?)",
            ("ann", "reviewer", unit.bind(kind)(now)),
        )
    with store.reading() as session:
        row = session.get(ReviewerRow, 1)
        assert row is not None and as_utc(row.registered_at) == now


def test_a_unit_holds_the_sqlite_writer_lock_from_its_start(sqlite_url: str) -> None:
    """BEGIN IMMEDIATE: another writer waits until the unit ends, so the head a unit
    reads cannot change under it."""
    from leadreview.store import open_store

    store = open_store(url=sqlite_url)
    try:
        entered, release = threading.Event(), threading.Event()

        def hold() -> None:
            with store.writing():
                entered.set()
                release.wait(10)

        holder = threading.Thread(target=hold)
        holder.start()
        assert entered.wait(10)
        other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), timeout=0.2)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        release.set()
        holder.join(10)
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        other.close()
    finally:
        store.dispose()


def test_a_commit_the_database_refuses_rolls_back_and_the_connection_serves_again(
    store: Store,
) -> None:
    """A constraint checked only at COMMIT (a deferred foreign key): the unit raises
    SQLAlchemy's IntegrityError, nothing it wrote stays, and the next unit — on SQLite
    the same kept connection — writes normally."""
    log = AuditLog()
    before = _events(store)
    with pytest.raises(IntegrityError), store.writing() as unit:
        unit.execute("CREATE TEMP TABLE parent (id INTEGER PRIMARY KEY)")
        unit.execute(
            "CREATE TEMP TABLE child (parent_id INTEGER"
            " REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"
        )
        unit.execute("INSERT INTO child VALUES (5)")  # no parent 5: refused at COMMIT
        log.append_many(unit, [NewEvent("writer", "reviewer", "t", {"n": 1})])
    assert _events(store) == before
    with store.writing() as unit:
        log.append_many(unit, [NewEvent("writer", "reviewer", "t", {"n": 2})])
    assert _events(store) == before + 1
    assert verify_store(store).ok


def test_units_on_many_threads_and_after_dispose_keep_one_chain(store: Store) -> None:
    """SQLite units reuse connections kept out of the pool, one unit at a time each:
    threads writing at once never share one, and a disposed store opens new ones."""
    log = AuditLog()

    def write(worker: int) -> None:
        for i in range(25):
            with store.writing() as unit:
                log.append_many(unit, [NewEvent(f"w{worker}", "reviewer", "t", {"i": i})])

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    store.dispose()
    write(9)
    assert _events(store) == 125
    assert verify_store(store).ok
