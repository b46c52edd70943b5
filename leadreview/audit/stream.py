"""Streaming raw event rows out of the database in chunks, for verify and export.

This bypasses the ORM on purpose: it reads plain tuples through the driver's cursor
(a server-side cursor on PostgreSQL), so memory stays flat and a million rows take
seconds. The rows of one call come from one consistent snapshot.
"""

import sqlite3
from collections.abc import Generator, Iterator
from contextlib import suppress
from typing import Any

from leadreview.audit.models import ROW_COLUMNS, NotUtf8, RawRow
from leadreview.store.store import Store
from leadreview.store.undecodable import undecodable_column

CHUNK_ROWS = 20_000
_SELECT = f"SELECT {', '.join(ROW_COLUMNS)} FROM audit_event ORDER BY seq"


_SELECT_TREE = "SELECT seq, hashes FROM audit_merkle ORDER BY seq"


def stream_rows(
    store: Store,
    chunk_rows: int = CHUNK_ROWS,
    select: str = _SELECT,
    *,
    undecodable_as_bytes: bool = False,
) -> Generator[list[RawRow], None, None]:
    """`undecodable_as_bytes`: text a SQLite file holds that is not UTF-8 comes as
    NotUtf8 (the verifier names it); otherwise the driver's error is raised, which the
    CLI reports in one line."""
    raw = store.engine.raw_connection()
    try:
        driver: Any = raw.driver_connection
        if store.dialect == "postgresql":
            yield from _postgres_chunks(driver, chunk_rows, select)
        else:
            yield from _sqlite_chunks(driver, chunk_rows, select, undecodable_as_bytes)
    finally:
        raw.close()


def stream_tree_rows(store: Store, chunk_rows: int = CHUNK_ROWS) -> Iterator[list[RawRow]]:
    """(seq, hashes) of audit_merkle, in order (text there comes as it is: the tree
    check refuses anything but bytes)."""
    return stream_rows(store, chunk_rows, _SELECT_TREE, undecodable_as_bytes=True)


def _sqlite_chunks(
    connection: Any, chunk_rows: int, select: str, undecodable_as_bytes: bool
) -> Iterator[list[RawRow]]:
    # A deferred read transaction: one snapshot for the whole walk, no writer lock.
    connection.execute("BEGIN DEFERRED")
    read = 0
    try:
        cursor = connection.execute(select)
        while chunk := cursor.fetchmany(chunk_rows):
            read += len(chunk)
            yield chunk
    except sqlite3.OperationalError as error:
        if not undecodable_as_bytes or undecodable_column(error) is None:
            raise
        # Someone wrote bytes that are not UTF-8 into a text column behind the app's
        # back. The decoding reader costs a Python call per text value, so only a log
        # that needs it pays: the same snapshot is read again, skipping the rows already handed on.
        yield from _tolerant_chunks(connection, chunk_rows, select, read)
    finally:
        with suppress(Exception):
            connection.execute("ROLLBACK")


def _text_or_bytes(raw: bytes) -> str | NotUtf8:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return NotUtf8(raw)


def _tolerant_chunks(
    connection: Any, chunk_rows: int, select: str, skip: int
) -> Iterator[list[RawRow]]:
    """The rows of `select` after the first `skip`, undecodable text as NotUtf8."""
    # The raw connection goes back to the engine's pool: its text factory is restored.
    previous = connection.text_factory
    connection.text_factory = _text_or_bytes
    try:
        cursor = connection.execute(select)
        while skip > 0 and (skipped := cursor.fetchmany(min(skip, chunk_rows))):
            skip -= len(skipped)
        while chunk := cursor.fetchmany(chunk_rows):
            yield chunk
    finally:
        connection.text_factory = previous


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
