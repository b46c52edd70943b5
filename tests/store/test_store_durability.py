"""P4: committed events survive a crash; every SQLite connection is configured for it."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from leadreview.audit import AuditLog
from leadreview.audit.service import verify_store
from leadreview.errors import ConfigurationError
from leadreview.store import Store, open_store

CHILD = """
import sys, time
from leadreview.audit import AuditLog
from leadreview.store import open_store
store = open_store(url=sys.argv[1])
with store.transaction() as session:
    event = AuditLog().append(session, actor="child", role="reviewer", event_type="crash.test",
                              payload={"note": "committed, then killed"})
print(event.seq, event.digest, flush=True)
# Start another transaction and hang inside it: the kill must not lose the first commit.
with store.transaction() as session:
    AuditLog().append(session, actor="child", role="reviewer", event_type="never.committed")
    time.sleep(600)
"""


def test_every_sqlite_connection_runs_wal_full_sync_and_recursive_triggers(
    sqlite_url: str,
) -> None:
    store = open_store(url=sqlite_url)
    try:
        connections = [store.engine.connect() for _ in range(3)]  # three distinct connections
        for connection in connections:
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA synchronous").scalar() == 2  # FULL
            assert pragma("PRAGMA recursive_triggers").scalar() == 1
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA busy_timeout").scalar() >= 1000
            connection.close()
    finally:
        store.dispose()


def test_a_committed_event_survives_sigkill(database_url: str, tmp_path: Path) -> None:
    open_store(url=database_url).dispose()  # schema first, so the child only appends
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, database_url],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    try:
        assert child.stdout is not None
        seq_text, digest = child.stdout.readline().split()
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    store: Store = open_store(url=database_url)
    try:
        with store.reading() as session:
            events = AuditLog.events(session)
        assert [(e.seq, e.digest, e.event_type) for e in events] == [
            (int(seq_text), digest, "crash.test")
        ]
        assert verify_store(store).ok
    finally:
        store.dispose()


def test_a_failed_transaction_writes_nothing(store: Store) -> None:
    log = AuditLog()
    with pytest.raises(RuntimeError), store.transaction() as session:
        log.append(session, actor="a", role="r", event_type="decision")
        raise RuntimeError("the decision failed after its event was appended")
    with store.transaction() as session:
        assert log.append(session, actor="a", role="r", event_type="decision").seq == 1


def test_unreachable_database_is_one_configuration_line() -> None:
    with pytest.raises(ConfigurationError) as caught:
        open_store(url="postgresql+psycopg://someone:s3cret@127.0.0.1:1/nowhere")
    message = str(caught.value)
    assert "\n" not in message and "s3cret" not in message
    assert "127.0.0.1:1/nowhere" in message
