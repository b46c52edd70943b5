"""P3: the database itself refuses to change or remove audit rows."""

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from leadreview.audit import AuditLog
from leadreview.store import Store, open_store
from tests.audit_support import append_events

SNAPSHOT = (
    "SELECT seq, time, actor, role, event_type, payload, prev_digest, digest "
    "FROM audit_event ORDER BY seq"
)

COMMON_ATTACKS = {
    "update": "UPDATE audit_event SET actor = 'mallory' WHERE seq = 2",
    "update all": "UPDATE audit_event SET payload = '{}'",
    "delete": "DELETE FROM audit_event WHERE seq = 3",
    "delete all": "DELETE FROM audit_event",
}
SQLITE_ATTACKS = {
    "insert or replace": (
        "INSERT OR REPLACE INTO audit_event SELECT seq, time, 'mallory', role, event_type, "
        "payload, prev_digest, digest, format, auth, login FROM audit_event WHERE seq = 2"
    ),
    "replace": (
        "REPLACE INTO audit_event SELECT seq, time, 'mallory', role, event_type, "
        "payload, prev_digest, digest, format, auth, login FROM audit_event WHERE seq = 2"
    ),
    "upsert": (
        "INSERT INTO audit_event SELECT seq, time, actor, role, event_type, payload, "
        "prev_digest, digest, format, auth, login FROM audit_event WHERE seq = 2 "
        "ON CONFLICT (seq) DO UPDATE SET actor = 'mallory'"
    ),
}
POSTGRES_ATTACKS = {
    "upsert": (
        "INSERT INTO audit_event SELECT seq, time, actor, role, event_type, payload, "
        "prev_digest, digest, format, auth, login FROM audit_event WHERE seq = 2 "
        "ON CONFLICT (seq) DO UPDATE SET actor = 'mallory'"
    ),
    "truncate": "TRUNCATE audit_event",
    "truncate cascade": "TRUNCATE audit_event CASCADE",
}


def snapshot(store: Store) -> list[tuple[object, ...]]:
    with store.reading() as session:
        return [tuple(r) for r in session.execute(text(SNAPSHOT))]


def test_every_change_is_refused_and_rows_are_unchanged(store: Store) -> None:
    append_events(store, 5)
    before = snapshot(store)
    attacks = {
        **COMMON_ATTACKS,
        **(POSTGRES_ATTACKS if store.dialect == "postgresql" else SQLITE_ATTACKS),
    }
    for name, statement in attacks.items():
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as connection:
            connection.exec_driver_sql(statement)
        assert snapshot(store) == before, name


@pytest.fixture
def pg_store(postgres_url: str) -> Iterator[Store]:
    opened = open_store(url=postgres_url)
    yield opened
    opened.dispose()


@pytest.mark.postgres
def test_postgres_app_role_holds_only_select_and_insert(pg_store: Store) -> None:
    store = pg_store
    append_events(store, 3)
    with store.engine.connect() as connection:
        privileges = {
            p: connection.exec_driver_sql(
                f"SELECT has_table_privilege('leadreview_app', 'audit_event', '{p}')"
            ).scalar()
            for p in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
        }
    assert privileges == {
        "SELECT": True,
        "INSERT": True,
        "UPDATE": False,
        "DELETE": False,
        "TRUNCATE": False,
        "REFERENCES": False,
        "TRIGGER": False,
    }
    before = snapshot(store)
    for statement in (
        "UPDATE audit_event SET actor = 'mallory'",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event",
        "ALTER TABLE audit_event DISABLE TRIGGER USER",
    ):
        with pytest.raises(DBAPIError), store.engine.begin() as connection:
            connection.exec_driver_sql("SET LOCAL ROLE leadreview_app")
            connection.exec_driver_sql(statement)
    assert snapshot(store) == before
    # …and the role can still do its job: append through the log.
    with store.transaction() as session:
        session.execute(text("SET LOCAL ROLE leadreview_app"))
        event = AuditLog().append(session, actor="app", role="service", event_type="t")
    assert event.seq == 4
