"""Streaming raw event rows out of the database in chunks, for verify and export.

This bypasses the ORM on purpose: it reads plain tuples through the driver's cursor
(a server-side cursor on PostgreSQL), so memory stays flat and a million rows take
seconds. The rows of one call come from one consistent snapshot.
"""

from collections.abc import Generator, Iterator
from contextlib import suppress
from typing import Any

from leadreview.audit.models import ROW_COLUMNS, RawRow
from leadreview.store.store import Store

CHUNK_ROWS = 20_000
_SELECT = f"SELECT {', '.join(ROW_COLUMNS)} FROM audit_event ORDER BY seq"


_SELECT_TREE = "SELECT seq, hashes FROM audit_merkle ORDER BY seq"


def stream_rows(
    store: Store, chunk_rows: int = CHUNK_ROWS, select: str = _SELECT
) -> Generator[list[RawRow], None, None]:
    raw = store.engine.raw_connection()
    try:
        driver: Any = raw.driver_connection
        if store.dialect == "postgresql":
            yield from _postgres_chunks(driver, chunk_rows, select)
        else:
            yield from _sqlite_chunks(driver, chunk_rows, select)
    finally:
        raw.close()


def stream_tree_rows(store: Store, chunk_rows: int = CHUNK_ROWS) -> Iterator[list[RawRow]]:
    """(seq, hashes) of audit_merkle, in order."""
    return stream_rows(store, chunk_rows, _SELECT_TREE)


def _sqlite_chunks(connection: Any, chunk_rows: int, select: str) -> Iterator[list[RawRow]]:
    # A deferred read transaction: one snapshot for the whole walk, no writer lock.
    connection.execute("BEGIN DEFERRED")
    try:
        cursor = connection.execute(select)
        while chunk := cursor.fetchmany(chunk_rows):
            yield chunk
    finally:
        with suppress(Exception):
            connection.execute("ROLLBACK")


def _postgres_chunks(connection: Any, chunk_rows: int, select: str) -> Iterator[list[RawRow]]:
    # psycopg opens a transaction implicitly; one SELECT sees one snapshot.
    try:
        with connection.cursor(name="leadreview_audit_stream") as cursor:
            cursor.itersize = chunk_rows
            cursor.execute(select)
            while chunk := cursor.fetchmany(chunk_rows):
                yield chunk
    finally:
        with suppress(Exception):
            connection.rollback()
