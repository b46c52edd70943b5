"""P2: no gaps and no forks under concurrent writers, with rollbacks mixed in."""

import multiprocessing

from sqlalchemy import text

from leadreview.audit import AuditLog, NewEvent
from leadreview.audit.canonical import GENESIS_DIGEST
from leadreview.audit.service import verify_store
from leadreview.store import Store, open_store

WRITERS = 8
APPENDS = 100


class InjectedRollbackError(Exception):
    pass


def writer(args: tuple[str, int]) -> int:
    """Append APPENDS events; every fifth transaction rolls back after appending. Half
    the writers append in an ORM session, half in a `Store.writing()` unit (as a decision
    does), so each kind's kept head and tree edge meet the other's appends."""
    url, worker = args
    store = open_store(url=url)
    log = AuditLog()
    committed = 0
    try:
        for i in range(APPENDS):
            event = NewEvent(f"writer-{worker}", "reviewer", "test.append", {"worker": worker})
            try:
                unit = store.writing() if worker % 2 else store.transaction()
                with unit as session:
                    log.append_many(session, [event])
                    if i % 5 == 2:
                        raise InjectedRollbackError
                committed += 1
            except InjectedRollbackError:
                pass
    finally:
        store.dispose()
    return committed


def test_concurrent_writers_leave_no_gap_and_no_fork(store: Store, database_url: str) -> None:
    context = multiprocessing.get_context("fork")
    with context.Pool(WRITERS) as pool:
        committed = sum(pool.map(writer, [(database_url, w) for w in range(WRITERS)]))
    assert committed == WRITERS * APPENDS * 4 // 5

    with store.reading() as session:
        rows = session.execute(
            text("SELECT seq, prev_digest, digest FROM audit_event ORDER BY seq")
        ).all()
    assert [r.seq for r in rows] == list(range(1, committed + 1))
    previous = GENESIS_DIGEST
    for row in rows:
        assert row.prev_digest == previous, f"fork or gap at {row.seq}"
        previous = row.digest
    assert verify_store(store).ok


def test_uniqueness_of_sequence_and_previous_digest_is_declared(store: Store) -> None:
    """The database itself refuses a fork, even from a writer that skips AuditLog."""
    from sqlalchemy import inspect

    inspector = inspect(store.engine)
    unique_columns = {
        tuple(u["column_names"]) for u in inspector.get_unique_constraints("audit_event")
    }
    assert ("prev_digest",) in unique_columns
    assert inspector.get_pk_constraint("audit_event")["constrained_columns"] == ["seq"]

    log = AuditLog()
    with store.transaction() as session:
        first = log.append(session, actor="a", role="r", event_type="t")
    fork = {
        "seq": 2,
        "time": first.time_text,
        "actor": "a",
        "role": "r",
        "event_type": "t",
        "payload": "{}",
        "prev_digest": GENESIS_DIGEST,  # a second child of the genesis: a fork
        "digest": "f" * 64,
    }
    import pytest
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), store.transaction() as session:
        session.execute(
            text(
                "INSERT INTO audit_event (seq, time, actor, role, event_type, payload, "
                "prev_digest, digest) VALUES (:seq, :time, :actor, :role, :event_type, "
                ":payload, :prev_digest, :digest)"
            ),
            fork,
        )
