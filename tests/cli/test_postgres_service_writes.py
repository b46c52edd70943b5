"""On PostgreSQL the services are the only write path to working rows (migration
0006_service_writes): a login that changes a case, a lead, a decision… without storing
the audit event of that change in the same transaction is refused at commit, and cannot
switch the check off. The hostile steps are plain SQL over psycopg, never our code.
"""

import psycopg
import pytest

from leadreview.store.migrate import HEAD_REVISION
from leadreview.store.store import Store
from tests.support.postgres_logins import Connection, cli, libpq, migrate

pytestmark = pytest.mark.postgres

PREVIOUS_REVISION = "0005_principals"
GUARD_SUFFIX = "_requires_event"
# Guarded otherwise (the audit tables are append-only and stamped) or read-only to logins.
UNGUARDED = {
    "alembic_version",
    "audit_event",
    "audit_head",
    "audit_log_identity",
    "audit_merkle",
    "role_grant",
}


def _working_rows(postgres_url: str) -> list[tuple[object, ...]]:
    with psycopg.connect(libpq(postgres_url)) as owner:
        leads = owner.execute("SELECT id, status, version FROM lead ORDER BY id").fetchall()
        cases = owner.execute("SELECT id, offense, status FROM review_case").fetchall()
        decisions = owner.execute("SELECT count(*) FROM decision").fetchall()
    return [*leads, *cases, *decisions]


def _refused_at_commit(connection: Connection, *statements: str) -> str:
    """Run `statements` (each accepted) and commit: the commit must be refused."""
    for statement in statements:
        connection.execute(statement)
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as refused:
        connection.commit()
    connection.rollback()
    return str(refused.value)


def test_a_login_cannot_change_working_rows_outside_the_services(
    opened_case: str,
    postgres_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reviewer = opened_case
    before = _working_rows(postgres_url)
    with psycopg.connect(libpq(postgres_url, reviewer)) as connection:
        # The columns a service updates are granted, so the statement runs; its commit,
        # with no event of the change in the transaction, does not.
        message = _refused_at_commit(connection, "UPDATE lead SET status = 'forwarded'")
        assert f"login {reviewer} changed lead (UPDATE) without recording it" in message
        message = _refused_at_commit(
            connection,
            "INSERT INTO reviewer (name, role, registered_at)"
            " VALUES ('mallory', 'reviewer', now())",
        )
        assert "changed reviewer (INSERT)" in message
        # A temporary `audit_event` (searched before the schema) does not answer for the log.
        message = _refused_at_commit(
            connection,
            "CREATE TEMP TABLE audit_event (seq bigint)",
            "INSERT INTO audit_event VALUES (999999)",
            "UPDATE lead SET version = version + 1",
        )
        assert "changed lead (UPDATE)" in message
        # Asking for the check early only moves it: the statement itself is refused.
        connection.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute("UPDATE lead SET status = 'rejected'")
        connection.rollback()

        for statement in (
            "DELETE FROM lead",
            "DELETE FROM decision",
            "DELETE FROM review_case",
            "UPDATE review_case SET offense = 'nothing'",
            "UPDATE decision SET kind = 'possible-lead'",
            "TRUNCATE lead CASCADE",
            "ALTER TABLE lead DISABLE TRIGGER lead_requires_event",
            "ALTER TABLE lead DISABLE TRIGGER ALL",
            "DROP TRIGGER lead_requires_event ON lead",
            "ALTER TABLE lead ALTER CONSTRAINT lead_requires_event NOT DEFERRABLE",
            "SET session_replication_role = replica",  # would skip every ordinary trigger
            "DROP FUNCTION working_row_requires_event() CASCADE",
            "CREATE OR REPLACE FUNCTION working_row_requires_event() RETURNS trigger"
            " LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
            # The function the triggers call since 0007.
            "DROP FUNCTION working_row_event_describes_change() CASCADE",
            "CREATE OR REPLACE FUNCTION working_row_event_describes_change() RETURNS trigger"
            " LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
        ):
            with pytest.raises(psycopg.Error):
                connection.execute(statement)
                pytest.fail(f"not refused: {statement}")
            connection.rollback()

    assert _working_rows(postgres_url) == before
    verified = cli(capsys, monkeypatch, postgres_url, "audit", "verify")
    assert verified.code == 0, verified.out + verified.err


def test_every_working_table_is_guarded(owner_store: Store, postgres_url: str) -> None:
    # A table added later without the guard would be a write path around the services.
    with psycopg.connect(libpq(postgres_url)) as owner:
        tables = {
            str(name)
            for (name,) in owner.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            ).fetchall()
        }
        guarded = {
            str(table)
            for (table,) in owner.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                " WHERE c.relnamespace = current_schema()::regnamespace"
                " AND t.tgname = c.relname || %s AND t.tgdeferrable AND t.tginitdeferred"
                " AND t.tgenabled = 'O'",
                (GUARD_SUFFIX,),
            ).fetchall()
        }
    assert tables >= UNGUARDED
    assert guarded == tables - UNGUARDED


def _lead_status_change_commits(postgres_url: str, login: str) -> bool:
    with psycopg.connect(libpq(postgres_url, login)) as connection:
        connection.execute("UPDATE lead SET status = status")
        try:
            connection.commit()
        except psycopg.errors.InsufficientPrivilege:
            return False
    return True


def test_the_migration_applies_to_an_existing_database_and_downgrades(
    opened_case: str, postgres_url: str
) -> None:
    reviewer = opened_case
    migrate(postgres_url, PREVIOUS_REVISION, down=True)
    # Before 0006 the column grant alone let a login change a lead's status.
    assert _lead_status_change_commits(postgres_url, reviewer)
    migrate(postgres_url, HEAD_REVISION, down=False)  # over the rows already there
    assert not _lead_status_change_commits(postgres_url, reviewer)
