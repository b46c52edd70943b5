"""Appending to and reading the audit log, inside the caller's transaction.

Appends never open or commit a transaction of their own: a service writes its decision
and the decision's event in one unit of work, so both commit or neither does.

No gaps, no forks. On PostgreSQL the head is read only after the writer lock is held
(the single `audit_head` row locked FOR UPDATE). On SQLite the database itself refuses an
event that does not extend the head (migration 0009: `prev_digest` must be the digest at
`seq - 1`, and `seq` is the primary key), so an append first guesses the head this log
last wrote, inside the transaction that BEGIN IMMEDIATE opened with the writer lock
held; a wrong guess (another writer, a rolled-back transaction, another database) is
refused by the INSERT, which on SQLite aborts only that statement, and the head is then
read and the events sealed again. Sequence numbers are computed, not drawn from an
IDENTITY/sequence (those are not rolled back, so a failed transaction would leave a gap).
`UNIQUE(seq)` and `UNIQUE(prev_digest)` make a fork impossible even if a writer bypassed
this code.
"""

import functools
import hashlib
import sqlite3
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select, text
from sqlmodel import Session

from leadreview.audit.canonical import (
    CURRENT_FORMAT,
    GENESIS_DIGEST,
    canonical_payload,
    check_label,
    envelope,
    format_time,
    parse_time,
)
from leadreview.audit.merkle import CompactRange, leaf_hash
from leadreview.audit.models import ROW_COLUMNS, AuditEvent, NewEvent, RawRow, SealedEvents
from leadreview.audit.tree_store import INSERT_ROW as _INSERT_TREE_ROW
from leadreview.audit.tree_store import TreeStoreError, compact_range_at
from leadreview.errors import PermissionRefused, VerificationFailed
from leadreview.store.tables.audit import AUDIT_EVENT_TABLE
from leadreview.store.unit import WriteUnit

_INSUFFICIENT_PRIVILEGE = "42501"

_EVENT = AUDIT_EVENT_TABLE
_COLUMNS = [_EVENT.c[name] for name in ROW_COLUMNS]
_LOCK_HEAD_SQL = "SELECT session_user FROM audit_head WHERE id = 1 FOR UPDATE"
_HEAD_SQL = "SELECT seq, digest FROM audit_event ORDER BY seq DESC LIMIT 1"
_HEAD = text(_HEAD_SQL)
_INSERT = (
    f"INSERT INTO audit_event ({', '.join(ROW_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in ROW_COLUMNS)})"
)
# The two inserts of an append in each driver's parameter style, made once.
_INSERTS = {
    mark: (_INSERT.replace("?", mark), _INSERT_TREE_ROW.replace("?", mark)) for mark in ("?", "%s")
}


@functools.lru_cache(maxsize=1024)
def _checked_labels(actor: str, role: str, event_type: str) -> tuple[str, str, str]:
    # Cached: a batch mostly repeats the same actor, role and event type.
    return (
        check_label("actor", actor),
        check_label("role", role),
        check_label("event_type", event_type),
    )


def utc_now() -> datetime:
    return datetime.now(UTC)


# How an actor is authenticated (docs/security.md). The log records one on every event.
AUTH_OS_USER = "os-user"
AUTH_POSTGRES_LOGIN = "postgres-login"
AUTH_JOIN_CODE = "join-code"
AUTH_ACCESS_KEY = "access-key"
AUTH_SYSTEM_CLOCK = "system-clock"


@functools.cache
def os_login() -> str:
    """The operating-system user running this process: who stores events on SQLite."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        import os

        return f"uid-{os.getuid()}"


def _read_head(cursor: Any) -> tuple[int, str]:
    """(seq, digest) of the newest event; (0, genesis) when the log is empty."""
    cursor.execute(_HEAD_SQL)
    row = cursor.fetchone()
    if row is None:
        return 0, GENESIS_DIGEST
    return int(row[0]), str(row[1])


def _insert(cursor: Any, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    # The driver's executemany with plain tuples, in the caller's transaction:
    # SQLAlchemy's per-row parameter handling would cost as much as the insert.
    if len(rows) == 1:  # a decision's one event: executemany costs more for one row
        cursor.execute(sql, rows[0])
    else:
        cursor.executemany(sql, rows)


class _RightEdge:
    """The tree's right edge after this log's last append, keyed by the head it ended on.

    The head's digest commits to every event before it, and the leaves are over the same
    bytes, so an unchanged (seq, digest) head means an unchanged tree: a one-event append
    then hashes against the kept nodes instead of reading them. Any other head (another
    writer, a rolled-back transaction, another database) misses and reads the stored
    edge. `take` and `guess` hand the nodes to one appender at a time.

    The kept head is offered as a guess only while guessing pays: a refused guess costs
    a refused INSERT on top of the read, so after one the head is read until a read
    finds the head still the one kept (no other writer in between) — several processes
    appending in turn read it, as before, and a lone writer guesses."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._kept: tuple[int, str, CompactRange] | None = None
        self._guessing = True

    def take(self, seq: int, digest: str) -> CompactRange | None:
        with self._lock:
            kept, self._kept = self._kept, None
            if kept is None:
                return None
            same = self._guessing = kept[0] == seq and kept[1] == digest
        return kept[2] if same else None

    def guess(self) -> tuple[int, str, CompactRange] | None:
        """The head this log last wrote and the tree's edge after it, taken, to append
        onto without reading the head first (where the database refuses a wrong guess);
        None when there is none or the last guess was refused."""
        with self._lock:
            if not self._guessing:
                return None
            kept, self._kept = self._kept, None
        return kept

    def refused(self) -> None:
        """The guess was wrong: read the head until it is seen to stay ours."""
        with self._lock:
            self._guessing = False

    def keep(self, seq: int, digest: str, tree: CompactRange) -> None:
        with self._lock:
            self._kept = (seq, digest, tree)


class AuditLog:
    """The hash-chained, append-only event log. Holds no connection; pass a session."""

    def __init__(self, clock: Callable[[], datetime] = utc_now, auth: str | None = None) -> None:
        """`auth`: how this process's actors were authenticated; by default the store's
        own way — the OS user on SQLite, the database login on PostgreSQL."""
        self._clock = clock
        self._auth = auth
        self._right_edge = _RightEdge()

    def append(
        self,
        session: Session | WriteUnit,
        *,
        actor: str,
        role: str,
        event_type: str,
        payload: dict[str, Any] | None = None,
    ) -> AuditEvent:
        return self.append_many(session, [NewEvent(actor, role, event_type, payload or {})])[0]

    def append_many(self, session: Session | WriteUnit, events: Sequence[NewEvent]) -> SealedEvents:
        """Seal and insert `events` in order, in the current transaction of `session` (an
        ORM session, or a `Store.writing()` unit). What was sealed is returned lazily."""
        if not events:
            return SealedEvents((), self._clock())
        # Validate everything before touching the database: refuse, don't half-write.
        prepared = [
            (
                *_checked_labels(e.actor, e.role, e.event_type),
                canonical_payload(e.payload),
                e.auth and check_label("auth", e.auth),  # "" or None: the log's own way
            )
            for e in events
        ]
        # The driver's own cursor, in the caller's transaction: every statement of an
        # append goes to the driver directly (SQLAlchemy's statement handling cost more
        # than the statements themselves when a decision appends one event).
        if isinstance(session, WriteUnit):
            cursor, dialect, owned = session.cursor, session.dialect, False
        else:
            connection = session.connection()
            cursor, dialect, owned = connection.connection.cursor(), connection.dialect, True
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        try:
            rows = self._seal(cursor, dialect.name, mark, prepared)
        finally:
            if owned:
                cursor.close()
        return SealedEvents(rows, parse_time(rows[0][1]))

    def _seal(
        self,
        cursor: Any,
        dialect: str,
        mark: str,
        prepared: list[tuple[str, str, str, str, str | None]],
    ) -> list[RawRow]:
        """Chain and hash `prepared` onto the head, insert the events and their Merkle
        rows (one statement each); the rows inserted.

        On SQLite the head is first guessed (the one this log last wrote, see the module's
        docstring); the database refuses a wrong guess, and only then is it read."""
        try:
            insert_events, insert_tree_rows = _INSERTS[mark]
            guessed = self._right_edge.guess() if dialect == "sqlite" else None
            if guessed is not None:
                seq, prev, tree = guessed
                sealed = self._chain(seq, prev, tree, prepared, dialect, os_login())
                try:
                    _insert(cursor, insert_events, sealed[0])
                except sqlite3.IntegrityError:
                    # A wrong guess is refused at the first event. If the head is the one
                    # guessed, or an event of this batch (a later one failed), the
                    # refusal was about the events themselves and stands; otherwise
                    # they are sealed again onto the head read below.
                    head = _read_head(cursor)
                    if head == (seq, prev) or head in {(r[0], r[7]) for r in sealed[0]}:
                        raise
                    self._right_edge.refused()
                else:
                    return self._finish(cursor, insert_tree_rows, *sealed)
            seq, prev, login = self._locked_head(cursor, dialect)
            # The tree's right edge, under the same writer lock as the head: kept from
            # this log's last append when the head is still the event it wrote, else read.
            tree = self._right_edge.take(seq, prev) or compact_range_at(cursor, seq, mark)
            sealed = self._chain(seq, prev, tree, prepared, dialect, login)
            _insert(cursor, insert_events, sealed[0])
            return self._finish(cursor, insert_tree_rows, *sealed)
        except TreeStoreError as exc:
            # An event stored around this code (raw SQL) has no Merkle hashes: extending
            # the tree past it is impossible, so the write is refused, not half-done.
            raise VerificationFailed(
                f"the audit log cannot be extended: {exc}; nothing was written"
                " (`leadreview audit verify` names the break)"
            ) from None
        except Exception as exc:
            # PostgreSQL's trigger refuses an event in a role the login does not hold.
            if getattr(exc, "sqlstate", None) == _INSUFFICIENT_PRIVILEGE:
                raise PermissionRefused(str(exc).strip().splitlines()[0]) from None
            raise

    def _chain(
        self,
        seq: int,
        prev: str,
        tree: CompactRange,
        prepared: list[tuple[str, str, str, str, str | None]],
        dialect: str,
        login: str,
    ) -> tuple[list[RawRow], list[tuple[int, bytes]], CompactRange]:
        """The event rows sealed onto (seq, prev), and their Merkle rows appended to
        `tree` (which they extend in place)."""
        default_auth = check_label(
            "auth",
            self._auth or (AUTH_POSTGRES_LOGIN if dialect == "postgresql" else AUTH_OS_USER),
        )
        login = check_label("login", login)
        time = format_time(self._clock())
        rows: list[RawRow] = []
        tree_rows: list[tuple[int, bytes]] = []
        sha256 = hashlib.sha256
        version = CURRENT_FORMAT
        append_row = tree.append_row
        for actor, role, event_type, payload_json, own_auth in prepared:
            seq += 1
            auth = own_auth or default_auth
            sealed = envelope(
                seq, time, actor, role, event_type, payload_json, prev, version, auth, login
            )
            # One byte string for both: the Merkle leaf is over exactly what the chain
            # digest covers (canonical.entry_bytes; docs/audit-format.md).
            entry = sealed.encode("utf-8")
            digest = sha256(entry).hexdigest()
            rows.append(  # one tuple, ROW_COLUMNS order
                (seq, time, actor, role, event_type, payload_json, prev, digest,
                 version, auth, login)
            )  # fmt: skip
            tree_rows.append((seq, append_row(leaf_hash(entry))))
            prev = digest
        return rows, tree_rows, tree

    def _finish(
        self,
        cursor: Any,
        insert_tree_rows: str,
        rows: list[RawRow],
        tree_rows: list[tuple[int, bytes]],
        tree: CompactRange,
    ) -> list[RawRow]:
        """Insert the Merkle rows of the events just inserted; keep the new head's edge."""
        _insert(cursor, insert_tree_rows, tree_rows)
        last = rows[-1]
        self._right_edge.keep(last[0], last[7], tree)
        return rows

    @staticmethod
    def _locked_head(cursor: Any, dialect: str) -> tuple[int, str, str]:
        """(seq, digest) of the head, under the writer lock, and the login storing events.

        On PostgreSQL the login is `session_user` — what the database's trigger stamps on
        every row whatever we send, so the digest is computed over the same value (SET
        ROLE does not change it). On SQLite it is the operating-system user. Two
        statements on PostgreSQL, not one: after waiting for the lock, a query joined to
        it would still read the head from before the other writer's commit."""
        if dialect == "postgresql":
            cursor.execute(_LOCK_HEAD_SQL)
            locked = cursor.fetchone()
            login = str(locked[0]) if locked is not None else ""
        else:
            login = os_login()
        seq, digest = _read_head(cursor)
        return seq, digest, login

    @staticmethod
    def head(connection: Connection | Session) -> tuple[int, str]:
        """(sequence number, digest) of the last event; (0, genesis) when empty."""
        # Plain SQL: this runs once per append, and building the statement each time
        # costs more than the indexed lookup.
        row = connection.execute(_HEAD).first()
        if row is None:
            return 0, GENESIS_DIGEST
        return int(row[0]), str(row[1])

    @staticmethod
    def head_seq(connection: Connection | Session) -> int:
        """The last event's sequence number (0 when empty), without reading its digest:
        what verify sizes its walk by, so an undecodable digest is the walk's to name."""
        found = connection.execute(text("SELECT max(seq) FROM audit_event")).scalar()
        return int(found or 0)

    @staticmethod
    def log_id(connection: Connection | Session) -> str:
        """The id chosen when this log was created (audit_log_identity)."""
        row = connection.execute(text("SELECT log_id FROM audit_log_identity WHERE id = 1")).first()
        if row is None:
            raise LookupError("audit_log_identity is empty: the log has no id")
        return str(row[0])

    @staticmethod
    def events(
        session: Session,
        *,
        event_type: str | None = None,
        actor: str | None = None,
        since_seq: int | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> list[AuditEvent]:
        query = select(*_COLUMNS)
        if event_type is not None:
            query = query.where(_EVENT.c.event_type == event_type)
        if actor is not None:
            query = query.where(_EVENT.c.actor == actor)
        if since_seq is not None:
            query = query.where(_EVENT.c.seq >= since_seq)
        query = query.order_by(_EVENT.c.seq.desc() if newest_first else _EVENT.c.seq)
        if limit is not None:
            query = query.limit(limit)
        return [AuditEvent.from_raw(tuple(r)) for r in session.execute(query)]
