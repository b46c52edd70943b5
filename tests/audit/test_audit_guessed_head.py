"""On SQLite an append guesses the head its log last wrote instead of reading it (issue
17): the database refuses an event that does not extend the head (migration 0009), and
only a refused guess reads the head. These tests hold the refusal to the database, show
which statements each kind of append runs, and race two processes' guesses."""

import multiprocessing
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from leadreview.audit import AuditLog, NewEvent
from leadreview.audit.canonical import GENESIS_DIGEST
from leadreview.audit.log import _HEAD_SQL
from leadreview.audit.service import verify_store
from leadreview.store import Store, open_store
from leadreview.store.engine import make_engine
from leadreview.store.migrate import _config

_ROW = (
    "INSERT INTO audit_event (seq, time, actor, role, event_type, payload, prev_digest,"
    " digest, format, auth, login) VALUES (:seq, '2025-03-04T05:06:07.000089Z', 'a', 'r',"
    " 't', '{}', :prev, :digest, 2, 'os-user', 'x')"
)


class _RolledBackError(Exception):
    pass


def _event(i: int) -> NewEvent:
    return NewEvent("alice", "reviewer", "test.append", {"i": i})


def _append(store: Store, log: AuditLog, i: int, *, roll_back: bool = False) -> None:
    try:
        with store.writing() as unit:
            log.append_many(unit, [_event(i)])
            if roll_back:
                raise _RolledBackError
    except _RolledBackError:
        pass


def _chain(store: Store) -> list[tuple[int, str, str]]:
    with store.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT seq, prev_digest, digest FROM audit_event ORDER BY seq"
        ).all()
    return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]


def _assert_linear_and_verified(store: Store, events: int) -> None:
    chain = _chain(store)
    assert [seq for seq, _, _ in chain] == list(range(1, events + 1))
    previous = GENESIS_DIGEST
    for seq, prev, digest in chain:
        assert prev == previous, f"fork or gap at {seq}"
        previous = digest
    assert verify_store(store).ok


@contextmanager
def _traced(store: Store) -> Iterator[list[str]]:
    """Every statement SQLite runs on the store's connections from here on (refused
    ones too: the trace callback sees a statement as it starts)."""
    statements: list[str] = []

    def on_connect(dbapi_connection: Any, *_: object) -> None:
        dbapi_connection.set_trace_callback(statements.append)

    store.dispose()  # every connection from here on is a new one, traced from its start
    sa.event.listen(store.engine, "connect", on_connect)
    try:
        yield statements
    finally:
        sa.event.remove(store.engine, "connect", on_connect)
        store.dispose()


def _kinds(statements: list[str]) -> list[str]:
    named = {"BEGIN IMMEDIATE": "begin", "COMMIT": "commit", "ROLLBACK": "rollback"}
    kinds = []
    for i, sql in enumerate(statements):
        text = sql.strip()
        if i and sql == statements[i - 1]:
            continue  # SQLite traces a statement again when it re-prepares it
        if text in named:
            kinds.append(named[text])
        elif text == _HEAD_SQL:
            kinds.append("head")
        elif text.startswith("INSERT INTO audit_event"):
            kinds.append("event")
        elif text.startswith("INSERT INTO audit_merkle"):
            kinds.append("tree")
        elif "FROM audit_merkle" in text:
            kinds.append("edge")
    return kinds


def test_sqlite_refuses_an_event_that_does_not_extend_the_head(sqlite_store: Store) -> None:
    log = AuditLog()
    for i in range(3):
        _append(sqlite_store, log, i)
    ((_, _, third),) = _chain(sqlite_store)[2:]
    refused = {
        "a gap": {"seq": 5, "prev": third, "digest": "a" * 64},
        "a wrong predecessor": {"seq": 4, "prev": "e" * 64, "digest": "b" * 64},
        "a first event off the genesis": {"seq": 1, "prev": "f" * 64, "digest": "c" * 64},
    }
    for name, row in refused.items():
        with (
            pytest.raises(IntegrityError, match="extend the head"),
            sqlite_store.engine.begin() as c,
        ):
            c.execute(sa.text(_ROW), row)
            pytest.fail(f"{name} was stored")
    # The next event, linked to the head, is what the guard lets through.
    with sqlite_store.engine.connect() as connection:
        connection.execute(sa.text(_ROW), {"seq": 4, "prev": third, "digest": "d" * 64})
        connection.rollback()
    _assert_linear_and_verified(sqlite_store, 3)


def test_a_right_guess_reads_no_head_and_a_stale_one_is_refused_then_read(
    sqlite_store: Store,
) -> None:
    mine, theirs = AuditLog(), AuditLog()
    _append(sqlite_store, mine, 0)  # nothing to guess yet: the head is read
    with _traced(sqlite_store) as statements:
        _append(sqlite_store, mine, 1)  # the head it wrote is still the head
        right = _kinds(statements)
        statements.clear()
        _append(sqlite_store, theirs, 2)  # another writer moves the head on
        statements.clear()
        _append(sqlite_store, mine, 3)  # so this guess is stale
        stale = _kinds(statements)
        statements.clear()
        _append(sqlite_store, mine, 4)  # after a refusal the head is read…
        after_refusal = _kinds(statements)
        statements.clear()
        _append(sqlite_store, mine, 5)  # …until it is seen to have stayed this log's
        guessing_again = _kinds(statements)
    assert right == guessing_again == ["begin", "event", "tree", "commit"]
    # The refused INSERT, then the head and the tree's edge read, sealed again.
    assert stale == ["begin", "event", "head", "edge", "event", "tree", "commit"]
    # The head read is the one this log wrote: the edge it kept is used, not read.
    assert after_refusal == ["begin", "head", "event", "tree", "commit"]
    _assert_linear_and_verified(sqlite_store, 6)


def test_a_guess_left_by_a_rolled_back_append_is_refused(sqlite_store: Store) -> None:
    """Without the database's guard this guess would leave a gap: the event it names as
    the head was never committed."""
    log = AuditLog()
    _append(sqlite_store, log, 0)
    _append(sqlite_store, log, 1, roll_back=True)
    with _traced(sqlite_store) as statements:
        _append(sqlite_store, log, 2)
    assert _kinds(statements).count("event") == 2  # refused once, then stored
    _assert_linear_and_verified(sqlite_store, 2)


_APPENDS = 120


def _racer(args: tuple[str, int]) -> tuple[int, int, int]:
    """Append _APPENDS events, rolling every fifth transaction back; (committed, event
    INSERTs run, appends that rolled back). Whether or not the other process gets in
    between, the second, third or fourth append has its guess refused: each guesses
    while the one before held, and the third is rolled back, so the fourth would guess
    an event never committed."""
    url, worker = args
    store = open_store(url=url)
    traced: list[str] = []
    store.dispose()  # traced from each connection's start
    sa.event.listen(store.engine, "connect", lambda c, *_: c.set_trace_callback(traced.append))
    log = AuditLog()
    committed = rolled_back = 0
    try:
        for i in range(_APPENDS):
            roll_back = i % 5 == 2
            _append(store, log, worker * 1000 + i, roll_back=roll_back)
            committed += not roll_back
            rolled_back += roll_back
    finally:
        store.dispose()
    return committed, _kinds(traced).count("event"), rolled_back


def test_two_processes_racing_their_guesses_keep_one_linear_chain(
    sqlite_store: Store, sqlite_url: str
) -> None:
    context = multiprocessing.get_context("fork")
    sqlite_store.dispose()
    with context.Pool(2) as pool:
        results = pool.map(_racer, [(sqlite_url, w) for w in range(2)])
    committed = sum(r[0] for r in results)
    assert committed == 2 * _APPENDS * 4 // 5
    # Each process had guesses refused by the database (one INSERT more than its
    # appends per refusal) and recovered from them.
    refusals = [inserts - _APPENDS for _, inserts, _ in results]
    assert all(count >= 1 for count in refusals), refusals
    _assert_linear_and_verified(sqlite_store, committed)


def test_the_guard_comes_with_the_upgrade_and_an_older_log_still_verifies(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            command.upgrade(_config(connection), "0008_clock_release_seated")
        with Session(engine) as session, session.begin():  # a log written before 0009
            AuditLog().append_many(session, [_event(i) for i in range(3)])
        with engine.connect() as connection:
            # Before 0009 nothing refused a gap: shown, then undone.
            connection.execute(sa.text(_ROW), {"seq": 9, "prev": "e" * 64, "digest": "d" * 64})
            connection.rollback()
    finally:
        engine.dispose()
    store = open_store(url=url)  # upgrades to 0009
    try:
        _assert_linear_and_verified(store, 3)
        with pytest.raises(IntegrityError, match="extend the head"), store.engine.begin() as c:
            c.execute(sa.text(_ROW), {"seq": 9, "prev": "e" * 64, "digest": "d" * 64})
        log = AuditLog()
        for i in range(3, 6):
            _append(store, log, i)
        _assert_linear_and_verified(store, 6)
    finally:
        store.dispose()


def test_a_later_event_refused_for_itself_is_not_taken_for_a_wrong_guess(
    sqlite_store: Store,
) -> None:
    """A right guess whose batch fails at its second event: the refusal stands as it is
    raised, and the batch is not sealed again onto its own first event (which would
    store that event twice)."""
    with sqlite_store.engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TRIGGER test_poison BEFORE INSERT ON audit_event"
            " WHEN NEW.event_type = 'poison'"
            " BEGIN SELECT RAISE(ABORT, 'poison refused'); END"
        )
    log = AuditLog()
    _append(sqlite_store, log, 0)  # the head is now this log's: the next append guesses
    poisoned = [_event(1), NewEvent("alice", "reviewer", "poison", {})]
    with sqlite_store.writing() as unit:
        with pytest.raises(sqlite3.IntegrityError, match="poison refused"):
            log.append_many(unit, poisoned)
        stored = unit.execute("SELECT count(*) FROM audit_event").fetchone()[0]
        unit.cursor.connection.rollback()
    # The first event of the batch went in once, as when the head was read first.
    assert stored == 2
    _assert_linear_and_verified(sqlite_store, 1)
