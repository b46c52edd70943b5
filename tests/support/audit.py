"""Helpers for the audit-log tests: filling a log, and tampering behind the guards."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

from leadreview.audit import AuditLog, NewEvent
from leadreview.store import Store
from tests.support.postgres_logins import migration


def append_events(store: Store, n: int, *, actor: str = "alice", batch: int = 1) -> None:
    log = AuditLog()
    done = 0
    while done < n:
        size = min(batch, n - done)
        with store.transaction() as session:
            log.append_many(
                session,
                [
                    NewEvent(actor, "reviewer", "lead.decided", {"lead": done + i + 1, "ok": True})
                    for i in range(size)
                ],
            )
        done += size


GUARDED_TABLES = ("audit_event", "audit_merkle", "audit_log_identity")
_CHAIN_LINK = migration("0009_chain_link_checked")


@contextmanager
def behind_the_guards(store: Store) -> Iterator[Connection]:
    """A transaction in which the append-only guards are off, as an attacker with the
    database owner's rights (or file access, on SQLite) could arrange."""
    with store.engine.begin() as connection:
        for table in GUARDED_TABLES:
            if store.dialect == "postgresql":
                connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            else:
                connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_refuse_update")
                connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_refuse_delete")
        if store.dialect == "sqlite":
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {_CHAIN_LINK.TRIGGER}")
        yield connection
        if store.dialect == "postgresql":
            for table in GUARDED_TABLES:
                connection.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        else:
            # Back for the appends a test makes afterwards: an appender guesses the head
            # only because this trigger refuses a wrong guess (it checks new rows only).
            connection.exec_driver_sql(_CHAIN_LINK.SQLITE_GUARD)


def truncate_log(connection: Connection, after: int) -> None:
    """Remove every event after `after`, and its Merkle hashes: a thorough attacker."""
    connection.exec_driver_sql(f"DELETE FROM audit_event WHERE seq > {after}")
    connection.exec_driver_sql(f"DELETE FROM audit_merkle WHERE seq > {after}")


def swap_sequence_numbers(connection: Connection, a: int, b: int) -> None:
    parking = 1_000_000_000
    connection.exec_driver_sql(f"UPDATE audit_event SET seq = {parking} WHERE seq = {a}")
    connection.exec_driver_sql(f"UPDATE audit_event SET seq = {a} WHERE seq = {b}")
    connection.exec_driver_sql(f"UPDATE audit_event SET seq = {b} WHERE seq = {parking}")


def flip_stored_hash_bit(connection: Connection, seq: int, offset: int) -> None:
    """Behind the app's back: flip one bit at `offset` of audit_merkle row `seq`'s hashes."""
    stored = connection.execute(
        text("SELECT hashes FROM audit_merkle WHERE seq = :seq"), {"seq": seq}
    ).scalar_one()
    changed = bytearray(stored)
    changed[offset] ^= 1
    connection.execute(
        text("UPDATE audit_merkle SET hashes = :hashes WHERE seq = :seq"),
        {"hashes": bytes(changed), "seq": seq},
    )
