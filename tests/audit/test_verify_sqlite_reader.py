"""The compiled SQLite range reader (`_verify_sqlite.c`) against the paths it replaces.

On an intact log it must end each range in exactly the state the driver's walk ends in
(count, links, checkpoint digests, tree rows, the hashes handed to the joiner), so the
parallel verdict is reached through it. On a tampered log it must never say "intact":
every report — C reader, driver rows with the compiled hashing loop, pure Python, and
the sequential walk — is the same, line for line.

SQLite only: the reader opens the database file itself; PostgreSQL keeps the driver's
path (tests/audit/test_audit_verify_ranges.py runs both backends through it).
"""

import shutil
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from leadreview.audit import chain_kernel, verify_parallel
from leadreview.audit.chain_kernel import sqlite_range_walker, sqlite_reader_built
from leadreview.audit.checkpoint import Checkpoint
from leadreview.audit.service import verify_store
from leadreview.audit.tree_store import StoredTree
from leadreview.audit.verdict import VerifyReport
from leadreview.store import Store
from tests.support.audit import (
    append_events,
    behind_the_guards,
    swap_sequence_numbers,
    truncate_log,
)
from tests.support.compiled import use_paths

EVENTS = 300
LEVEL = 7  # 300 events on two workers: ranges aligned to 2^7, split at 128
RANGES = [(1, 128), (129, 300)]
# Every path verify can take on SQLite (the value of LEADREVIEW_VERIFY_KERNEL).
PATHS = {"C reader": "", "driver rows, C hashing": "driver", "pure Python": "python"}
BUILDABLE = (
    shutil.which("cc") is not None
    and Path("/usr/include/openssl/evp.h").is_file()
    and Path("/usr/include/sqlite3.h").is_file()
)

needs_reader = pytest.mark.skipif(not sqlite_reader_built(), reason="the C reader is not built")


def test_the_reader_is_built_where_a_compiler_and_both_headers_exist() -> None:
    if not BUILDABLE:
        pytest.skip("no C compiler, or no OpenSSL or SQLite headers: the driver reads")
    assert sqlite_reader_built()


def checkpoint_at(store: Store, size: int) -> Checkpoint:
    with store.reading() as session:
        root = StoredTree(session.connection()).root(size)
    return Checkpoint("test.local/log", size, root.hex())


def url_of(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


@needs_reader
@pytest.mark.parametrize("chunk_rows", [20_000, 50, 7])
def test_on_an_intact_log_each_range_ends_as_the_drivers_walk_ends(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch, chunk_rows: int
) -> None:
    """Small chunks carry unpaired tree nodes from one chunk to the next (odd sizes too)."""
    append_events(sqlite_store, EVENTS, batch=64)
    checkpoints = [checkpoint_at(sqlite_store, size) for size in (100, 128, 129, 250)]
    url = url_of(sqlite_store)
    for first, last in RANGES:
        use_paths(monkeypatch, verify="")
        compiled = verify_parallel._walk_in_c(url, first, last, checkpoints, chunk_rows, LEVEL)
        use_paths(monkeypatch, verify="driver")
        driver = verify_parallel.walk_range(url, first, last, checkpoints, chunk_rows, LEVEL)

        assert compiled is not None
        assert not compiled.state.broken and not driver.state.broken
        assert compiled == driver
        assert compiled.state.count == last - first + 1
    # The second range's upper hashes: row 256's levels 7 and 8 (the alignment's top up).
    assert len(compiled.upper) == 1 and len(compiled.upper[0]) == 2 * 32


@needs_reader
def test_a_wal_database_being_written_is_read_with_its_wal(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Events still in the WAL (no checkpoint since) are read: mode=ro, not immutable."""
    append_events(sqlite_store, EVENTS, batch=64)
    database = str(sqlite_store.engine.url.database)
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    append_events(sqlite_store, 20, batch=20)  # these are only in the WAL
    wal = Path(database + "-wal")
    assert wal.is_file() and wal.stat().st_size > 0
    use_paths(monkeypatch, verify="")
    found = verify_parallel._walk_in_c(url_of(sqlite_store), 129, EVENTS + 20, [], 50, LEVEL)

    assert found is not None and not found.state.broken
    assert found.state.count == EVENTS + 20 - 128


@needs_reader
def test_a_file_it_cannot_open_is_left_to_the_driver(tmp_path: Path) -> None:
    walker = sqlite_range_walker()
    assert walker is not None
    missing = f"file:{tmp_path / 'absent.db'}?mode=ro"
    assert walker(missing, 1, 10, None, 10, 3, []) is None
    other_schema = tmp_path / "other.db"
    with sqlite3.connect(other_schema) as connection:
        connection.execute("CREATE TABLE audit_event (seq INTEGER PRIMARY KEY)")
    assert walker(f"file:{other_schema}?mode=ro", 1, 10, None, 10, 3, []) is None


def test_only_a_sqlite_file_is_given_to_the_reader(tmp_path: Path) -> None:
    # A URI's "#" starts its fragment and "%" an escape: both are escaped in the path.
    database = tmp_path / "a b#1%.db"
    database.touch()
    uri = verify_parallel._read_only_uri(f"sqlite:///{database}")
    assert uri == f"file:{tmp_path}/a%20b%231%25.db?mode=ro"
    assert verify_parallel._read_only_uri("sqlite://") is None
    assert verify_parallel._read_only_uri(f"sqlite:///{tmp_path / 'absent.db'}") is None
    assert verify_parallel._read_only_uri(f"sqlite:///{database}?mode=ro") is None
    assert verify_parallel._read_only_uri("postgresql+psycopg://u@h/db") is None


def outcome(verify: Callable[[], VerifyReport]) -> list[str]:
    """The report's lines, or the error the walk raised (the same on every path)."""
    try:
        return verify().lines()
    except Exception as error:  # compared across paths, never swallowed
        return [f"raised {type(error).__name__}: {error}"]


def test_an_install_without_the_reader_verifies_in_ranges_through_the_driver(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As where SQLite's headers were missing at build time (the forked workers inherit
    the patch)."""
    append_events(sqlite_store, EVENTS, batch=64)
    use_paths(monkeypatch, verify="")
    monkeypatch.setattr(chain_kernel, "_load_sqlite_reader", lambda: None)
    assert sqlite_range_walker() is None and not sqlite_reader_built()

    report = verify_store(sqlite_store, [], workers=2, parallel_from=1)

    assert report.ok and report.leaves_sha256 == ""
    with behind_the_guards(sqlite_store) as connection:
        _edit_payload(connection)
    lines = verify_store(sqlite_store, [], workers=2, parallel_from=1).lines()
    assert lines[0].startswith("FAILED: ")
    assert lines == verify_store(sqlite_store, [], workers=1).lines()


def every_report(
    store: Store, monkeypatch: pytest.MonkeyPatch, checkpoints: list[Checkpoint]
) -> dict[str, list[str]]:
    reports = {}
    for name, value in PATHS.items():
        use_paths(monkeypatch, verify=value)
        reports[name] = outcome(
            lambda: verify_store(store, checkpoints, chunk_rows=50, workers=2, parallel_from=1)
        )
    use_paths(monkeypatch, verify="python")
    reports["sequential"] = outcome(lambda: verify_store(store, checkpoints, workers=1))
    return reports


def test_an_intact_log_gets_one_report_on_every_path(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    append_events(sqlite_store, EVENTS, batch=64)
    checkpoints = [checkpoint_at(sqlite_store, 100), checkpoint_at(sqlite_store, EVENTS)]
    use_paths(monkeypatch, verify="")
    report = verify_store(sqlite_store, checkpoints, workers=2, parallel_from=1)

    assert report.ok and report.leaves_sha256 == ""  # reached in ranges, not sequentially
    reports = every_report(sqlite_store, monkeypatch, checkpoints)
    assert all(lines == report.lines() for lines in reports.values()), reports


def _edit_payload(connection: Connection) -> None:
    connection.exec_driver_sql(
        """UPDATE audit_event SET payload = '{"lead":200,"ok":false}' WHERE seq = 200"""
    )


def _rewrite_the_last_digest(connection: Connection) -> None:
    # No later event links to it and no entry seals it: only the digest check sees it.
    connection.exec_driver_sql(f"UPDATE audit_event SET digest = '{'ab' * 32}' WHERE seq = 300")


def _delete_a_row(connection: Connection) -> None:
    connection.exec_driver_sql("DELETE FROM audit_event WHERE seq = 150")
    connection.exec_driver_sql("DELETE FROM audit_merkle WHERE seq = 150")


def _swap_rows(connection: Connection) -> None:
    swap_sequence_numbers(connection, 140, 141)


def _payload_as_a_blob(connection: Connection) -> None:
    connection.exec_driver_sql(
        "UPDATE audit_event SET payload = CAST(payload AS BLOB) WHERE seq = 210"
    )


def _format_as_text(connection: Connection) -> None:
    connection.exec_driver_sql("UPDATE audit_event SET format = 'two' WHERE seq = 60")


def _digest_as_an_integer(connection: Connection) -> None:
    connection.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
    connection.exec_driver_sql("UPDATE audit_event SET digest = 12345 WHERE seq = 230")


def _tree_hashes_of_the_wrong_length(connection: Connection) -> None:
    connection.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
    connection.exec_driver_sql(
        "UPDATE audit_merkle SET hashes = substr(hashes, 1, 31) WHERE seq = 220"
    )


def _tree_hashes_as_text(connection: Connection) -> None:
    connection.exec_driver_sql("UPDATE audit_merkle SET hashes = hex(hashes) WHERE seq = 20")


def _null_digest(connection: Connection) -> None:
    # NOT NULL is in the table's stored schema: someone with the file can edit that too.
    connection.exec_driver_sql("PRAGMA writable_schema = ON")
    connection.exec_driver_sql(
        "UPDATE sqlite_schema SET sql = replace(sql, 'digest VARCHAR(64) NOT NULL', "
        "'digest VARCHAR(64)') WHERE name = 'audit_event'"
    )
    connection.exec_driver_sql("PRAGMA writable_schema = RESET")
    connection.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
    connection.exec_driver_sql("UPDATE audit_event SET digest = NULL WHERE seq = 170")


def _actor_not_utf8(connection: Connection) -> None:
    connection.exec_driver_sql(
        "UPDATE audit_event SET actor = CAST(X'616cC328' AS TEXT) WHERE seq = 90"
    )


def _actor_with_a_surrogate(connection: Connection) -> None:
    # U+D800 encoded as UTF-8 (ED A0 80): not UTF-8 to Python's strict decoder.
    connection.exec_driver_sql(
        "UPDATE audit_event SET actor = CAST(X'61EDA080' AS TEXT) WHERE seq = 91"
    )


def _payload_not_utf8(connection: Connection) -> None:
    connection.exec_driver_sql(
        "UPDATE audit_event SET payload = CAST(X'FF41' AS TEXT) WHERE seq = 95"
    )


def _head_digest_not_utf8(connection: Connection) -> None:
    connection.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
    connection.exec_driver_sql(
        "UPDATE audit_event SET digest = CAST(X'FF41' AS TEXT) WHERE seq = 300"
    )


def _null_tree_hashes(connection: Connection) -> None:
    connection.exec_driver_sql("PRAGMA writable_schema = ON")
    connection.exec_driver_sql(
        "UPDATE sqlite_schema SET sql = replace(sql, 'hashes BLOB NOT NULL', 'hashes BLOB') "
        "WHERE name = 'audit_merkle'"
    )
    connection.exec_driver_sql("PRAGMA writable_schema = RESET")
    connection.exec_driver_sql("UPDATE audit_merkle SET hashes = NULL WHERE seq = 30")


def _zero_a_tree_hash_inside_a_range(connection: Connection) -> None:
    # Row 200 closes subtrees up to level 3 (200 = 8 x 25): its level-3 hash zeroed.
    stored = connection.execute(
        text("SELECT hashes FROM audit_merkle WHERE seq = 200")
    ).scalar_one()
    assert len(stored) == 4 * 32
    zeroed = bytes(stored[:96]) + bytes(32)
    connection.execute(text("UPDATE audit_merkle SET hashes = :h WHERE seq = 200"), {"h": zeroed})


def _truncate(connection: Connection) -> None:
    truncate_log(connection, 250)


TAMPERS: list[Callable[[Connection], None]] = [
    _edit_payload,
    _rewrite_the_last_digest,
    _delete_a_row,
    _swap_rows,
    _payload_as_a_blob,
    _format_as_text,
    _digest_as_an_integer,
    _tree_hashes_of_the_wrong_length,
    _zero_a_tree_hash_inside_a_range,
    _truncate,
    _null_digest,
]
# What the driver's walk once could not read at all (it raised): text that is not UTF-8,
# and text where the tree's hashes belong. Each must now be a verdict naming the row.
UNREADABLE_BY_THE_DRIVER: dict[Callable[[Connection], None], str] = {
    _actor_not_utf8: "seq 90: malformed: actor holds bytes that are not UTF-8",
    _actor_with_a_surrogate: "seq 91: malformed: actor holds bytes that are not UTF-8",
    _payload_not_utf8: "seq 95: malformed: payload holds bytes that are not UTF-8",
    _head_digest_not_utf8: "seq 300: malformed: digest holds bytes that are not UTF-8",
    _null_tree_hashes: "seq 30: merkle tree mismatch: audit_merkle row 30 holds NULL, not "
    "hashes: the stored tree was altered",
    _tree_hashes_as_text: "seq 20: merkle tree mismatch: audit_merkle row 20 holds text, not "
    "hashes: the stored tree was altered",
}


@pytest.mark.parametrize("tamper", TAMPERS)
def test_a_tampered_log_gets_the_sequential_report_on_every_path(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch, tamper: Callable[[Connection], None]
) -> None:
    append_events(sqlite_store, EVENTS, batch=64)
    checkpoints = [checkpoint_at(sqlite_store, EVENTS)]  # so a truncation shows
    with behind_the_guards(sqlite_store) as connection:
        tamper(connection)

    reports = every_report(sqlite_store, monkeypatch, checkpoints)

    assert reports["sequential"][0].startswith("FAILED: ")
    assert all(lines == reports["sequential"] for lines in reports.values()), reports


@pytest.mark.parametrize("tamper", list(UNREADABLE_BY_THE_DRIVER))
def test_a_log_the_driver_cannot_decode_gets_a_verdict_naming_the_row_on_every_path(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch, tamper: Callable[[Connection], None]
) -> None:
    append_events(sqlite_store, EVENTS, batch=64)
    checkpoints = [checkpoint_at(sqlite_store, EVENTS)]
    with behind_the_guards(sqlite_store) as connection:
        tamper(connection)

    reports = every_report(sqlite_store, monkeypatch, checkpoints)

    sequential = reports["sequential"]
    assert sequential[0].startswith("FAILED: "), sequential
    assert UNREADABLE_BY_THE_DRIVER[tamper] in sequential[1:], sequential
    assert all(lines == sequential for lines in reports.values()), reports


@needs_reader
@pytest.mark.parametrize(
    "tamper",
    [t for t in TAMPERS + list(UNREADABLE_BY_THE_DRIVER) if t is not _truncate],
)
def test_the_reader_itself_refuses_the_range_that_holds_the_tampering(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch, tamper: Callable[[Connection], None]
) -> None:
    """Not left to the driver (None) nor to the joiner: the C checks see it."""
    append_events(sqlite_store, EVENTS, batch=64)
    with behind_the_guards(sqlite_store) as connection:
        tamper(connection)
    use_paths(monkeypatch, verify="")
    found = [
        verify_parallel._walk_in_c(url_of(sqlite_store), first, last, [], 50, LEVEL)
        for first, last in RANGES
    ]

    assert all(result is not None for result in found)
    assert [result.state.broken for result in found if result is not None].count(True) == 1


@needs_reader
def test_a_truncated_range_ends_short_and_the_joiner_refuses_it(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    append_events(sqlite_store, EVENTS, batch=64)
    with behind_the_guards(sqlite_store) as connection:
        truncate_log(connection, 250)
    use_paths(monkeypatch, verify="")

    found = verify_parallel._walk_in_c(url_of(sqlite_store), 129, EVENTS, [], 50, LEVEL)

    assert found is not None and not found.state.broken
    assert (found.state.count, found.tree_rows) == (250 - 128, 250 - 128)


@needs_reader
def test_the_reader_lets_other_threads_run_while_it_reads(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """verify_parallel.py's pool is fed by threads of the walking process: while this
    process read its own range holding the GIL, the other range's process waited for its
    work (the ranges ran one after the other). Here the reader waits on a lock that only
    this thread can release: held GIL, it would time out and answer None."""
    append_events(sqlite_store, EVENTS, batch=64)
    locked = tmp_path / "rollback-journal.db"
    with sqlite3.connect(str(sqlite_store.engine.url.database)) as source:
        target = sqlite3.connect(locked)
        source.backup(target)
        target.execute("PRAGMA journal_mode = DELETE")
        target.close()
    holder = sqlite3.connect(locked, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # readers now get SQLITE_BUSY and wait
    walker = sqlite_range_walker()
    assert walker is not None
    found: list[object] = []
    reader = threading.Thread(
        target=lambda: found.append(walker(f"file:{locked}?mode=ro", 1, 128, None, 50, 7, []))
    )
    reader.start()
    time.sleep(0.3)  # the reader is in its busy wait
    holder.execute("COMMIT")  # needs the GIL
    reader.join()
    holder.close()

    assert found and isinstance(found[0], tuple) and found[0][0] == 128
