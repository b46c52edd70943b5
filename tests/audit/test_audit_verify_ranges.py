"""`audit verify` on both cores (verify_parallel.py): an intact log walked in ranges by
two processes gives the sequential report; on a log broken anywhere — inside a range, at
the border between ranges, in a stored tree hash above the ranges' alignment — the
verdict and every line are exactly the sequential walker's. Both backends.

`parallel_from=1` makes a small log take the parallel path (real processes, each with its
own connection); its ranges are aligned to 2^7 events, so a 300-event log splits at 128.
"""

from collections.abc import Callable

import pytest
from sqlalchemy import Connection

from leadreview.audit.checkpoint import Checkpoint
from leadreview.audit.service import verify_store
from leadreview.audit.tree_store import StoredTree
from leadreview.store import Store
from tests.support.audit import append_events, behind_the_guards, flip_stored_hash_bit

EVENTS = 300
BORDER = 129  # the second range's first event


def in_ranges(store: Store, checkpoints: list[Checkpoint] | None = None) -> list[str]:
    return verify_store(store, checkpoints or [], workers=2, parallel_from=1).lines()


def sequential(store: Store, checkpoints: list[Checkpoint] | None = None) -> list[str]:
    return verify_store(store, checkpoints or [], workers=1).lines()


def merkle_checkpoint(store: Store, size: int) -> Checkpoint:
    with store.reading() as session:
        root = StoredTree(session.connection()).root(size)
    return Checkpoint("test.local/log", size, root.hex())


def test_an_intact_log_walked_in_ranges_gives_the_sequential_report(store: Store) -> None:
    append_events(store, EVENTS, batch=64)
    checkpoints = [merkle_checkpoint(store, 100), merkle_checkpoint(store, 250)]

    report = verify_store(store, checkpoints, workers=2, parallel_from=1)

    assert report.ok, report.lines()
    assert report.leaves_sha256 == ""  # the ranges compared the leaves themselves
    assert (report.events, report.head_seq, report.checkpoints) == (EVENTS, EVENTS, 2)
    assert report.lines() == sequential(store, checkpoints)


def _edit_payload(connection: Connection) -> None:
    connection.exec_driver_sql(
        """UPDATE audit_event SET payload = '{"lead":200,"ok":false}' WHERE seq = 200"""
    )


def _break_the_border_link(connection: Connection) -> None:
    connection.exec_driver_sql(
        f"UPDATE audit_event SET prev_digest = '{'ab' * 32}' WHERE seq = {BORDER}"
    )


def _delete_the_border_event(connection: Connection) -> None:
    connection.exec_driver_sql(f"DELETE FROM audit_event WHERE seq = {BORDER}")
    connection.exec_driver_sql(f"DELETE FROM audit_merkle WHERE seq = {BORDER}")


def _delete_the_last_event_of_the_first_range(connection: Connection) -> None:
    connection.exec_driver_sql(f"DELETE FROM audit_event WHERE seq = {BORDER - 1}")


def _alter_a_hash_above_the_alignment(connection: Connection) -> None:
    # Row 256 holds levels 0…8; level 8 (the root of events 1–256) spans both ranges.
    flip_stored_hash_bit(connection, 256, 8 * 32)


def _alter_a_leaf_in_the_second_range(connection: Connection) -> None:
    flip_stored_hash_bit(connection, 201, 0)


@pytest.mark.parametrize(
    "tamper",
    [
        _edit_payload,
        _break_the_border_link,
        _delete_the_border_event,
        _delete_the_last_event_of_the_first_range,
        _alter_a_hash_above_the_alignment,
        _alter_a_leaf_in_the_second_range,
    ],
)
def test_a_broken_log_gets_the_sequential_verdict_line_for_line(
    store: Store, tamper: Callable[[Connection], None]
) -> None:
    append_events(store, EVENTS, batch=64)
    with behind_the_guards(store) as connection:
        tamper(connection)

    lines = in_ranges(store)

    assert lines[0].startswith("FAILED: ")
    assert lines == sequential(store)


def test_a_checkpoint_the_log_does_not_extend_gets_the_sequential_verdict(store: Store) -> None:
    append_events(store, EVENTS, batch=64)
    forged = Checkpoint("test.local/log", 200, "cd" * 32)

    lines = in_ranges(store, [forged])

    assert "seq 200: not an extension of checkpoint" in "\n".join(lines)
    assert lines == sequential(store, [forged])


def test_a_change_in_the_second_workers_range_is_named_by_its_sequence_number(
    store: Store,
) -> None:
    """The second process finds event 200 changed; the verdict names 200 as its first
    bad sequence number, exactly as one process walking the whole log does."""
    append_events(store, EVENTS, batch=64)
    with behind_the_guards(store) as connection:
        _edit_payload(connection)

    report = verify_store(store, [], workers=2, parallel_from=1)

    assert report.first_bad_seq == 200 > BORDER
    assert report.lines()[0].endswith("1 bad sequence number(s); first bad sequence number: 200")
    assert report.lines() == sequential(store)


def test_the_split_reads_only_the_ends_of_the_primary_keys(sqlite_url: str) -> None:
    """count(*) read every row (~0.14 s a million); min() and max() each one index page
    path, but only one aggregate per SELECT: both in one would scan the table."""
    from leadreview.audit.verify_parallel import _BOUNDS
    from leadreview.store import open_store

    store = open_store(url=sqlite_url)
    try:
        append_events(store, 10, batch=10)
        with store.engine.connect() as connection:
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {_BOUNDS}").all()
    finally:
        store.dispose()
    details = [str(row[-1]) for row in plan]
    assert sum(detail.startswith("SEARCH audit_") for detail in details) == 4, details
    assert not [detail for detail in details if detail.startswith("SCAN audit_")], details


def _an_event_before_the_first(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "ALTER TABLE audit_event DROP CONSTRAINT ck_audit_event_seq_positive"
        )
    else:
        connection.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
    connection.exec_driver_sql(
        "INSERT INTO audit_event SELECT 0, time, actor, role, event_type, payload, "
        f"'{'ef' * 32}', digest, format, auth, login FROM audit_event WHERE seq = 1"
    )


def test_a_row_below_the_first_range_gets_the_sequential_verdict(store: Store) -> None:
    """No range reads seq 0; the lowest sequence number (not a count) sends it back."""
    append_events(store, EVENTS, batch=64)
    with behind_the_guards(store) as connection:
        _an_event_before_the_first(connection)

    lines = in_ranges(store)

    assert lines[0].startswith("FAILED: ")
    assert lines == sequential(store)


def _null_tree_hashes(connection: Connection) -> None:
    """NOT NULL dropped by whoever owns the tables (PostgreSQL refuses text that is not
    UTF-8 on write, so a NULL is what can reach its walk that the types do not keep out)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("ALTER TABLE audit_merkle ALTER COLUMN hashes DROP NOT NULL")
    else:
        connection.exec_driver_sql("PRAGMA writable_schema = ON")
        connection.exec_driver_sql(
            "UPDATE sqlite_schema SET sql = replace(sql, 'hashes BLOB NOT NULL', 'hashes BLOB') "
            "WHERE name = 'audit_merkle'"
        )
        connection.exec_driver_sql("PRAGMA writable_schema = RESET")
    connection.exec_driver_sql("UPDATE audit_merkle SET hashes = NULL WHERE seq = 210")


def test_a_null_tree_row_is_named_by_its_sequence_number_on_both_backends(store: Store) -> None:
    append_events(store, EVENTS, batch=64)
    with behind_the_guards(store) as connection:
        _null_tree_hashes(connection)

    lines = in_ranges(store)

    assert lines[0].startswith("FAILED: ") and "first bad sequence number: 210" in lines[0]
    assert (
        "seq 210: merkle tree mismatch: audit_merkle row 210 holds NULL, not hashes: "
        "the stored tree was altered"
    ) in lines
    assert lines == sequential(store)
