"""On PostgreSQL the services are the only write path to working rows: a change to a
case, lead, verdict, decision, enforcement request, exercise row… by any login but the
owner commits only if the same transaction stored the audit event recording it.

Each working table gets a deferred constraint trigger. At commit it asks whether the
newest event in the log was inserted by this very transaction (its `xmin` is the
transaction's id). Appenders hold the `audit_head` lock from their first event until
commit, so when a transaction has appended, its last event is the newest one; a
transaction that changed rows without appending finds someone else's event there (or
none) and is rolled back. The event itself is stamped with the login by 0004's trigger,
and `audit verify` compares the rows with what it says.

Nothing changes on SQLite, which has no logins.

Revision ID: 0006_service_writes
Revises: 0005_principals
Create Date: 2025-01-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006_service_writes"
down_revision: str | None = "0005_principals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table whose rows the services write. The audit tables have their own guards
# (append-only, login stamp); `alembic_version`, `audit_log_identity` and `role_grant`
# are read-only to the application's logins. A test holds this list equal to the schema's
# tables less those, so a new table cannot be left unguarded silently.
WORKING_TABLES = (
    "batch_run",
    "decision",
    "enforcement_request",
    "exercise",
    "exercise_assignment",
    "exercise_case",
    "exercise_inject",
    "exercise_invite",
    "exercise_participant",
    "lead",
    "policy_document",
    "policy_verdict",
    "probe",
    "review_case",
    "reviewer",
    "search",
)
FUNCTION = "working_row_requires_event"
TRIGGER_SUFFIX = "_requires_event"


def _create_function(schema: str) -> str:
    """The check, for the schema being migrated (`schema` quoted).

    Everything in it is qualified (the audit table by the schema, functions, types and
    operators by pg_catalog) instead of relying on the caller's search_path: a login's
    own `pg_temp.audit_event`, or an operator of theirs shadowing a catalogue one, must
    not answer for the real log. Static SQL, so plpgsql plans it once per session: about
    ten times cheaper per row than building the query with EXECUTE. (Renaming the schema
    afterwards makes the check fail, closed: logins can then change no working row.)"""
    return f"""CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      newest pg_catalog.xid;
    BEGIN
      SELECT e.xmin INTO newest FROM {schema}.audit_event e ORDER BY e.seq DESC LIMIT 1;
      IF newest IS NOT NULL
         AND newest OPERATOR(pg_catalog.=) pg_catalog.pg_current_xact_id()::pg_catalog.xid THEN
        RETURN NULL;
      END IF;
      -- The owner migrates and back-fills without events; it could drop this trigger anyway.
      IF pg_catalog.pg_has_role(session_user,
           (SELECT c.relowner FROM pg_catalog.pg_class c
            WHERE c.oid OPERATOR(pg_catalog.=) TG_RELID), 'MEMBER') THEN
        RETURN NULL;
      END IF;
      RAISE EXCEPTION 'login % changed % (%) without recording it in the audit log',
        session_user, TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'working rows change only through leadreview''s commands';
    END $$"""


def _create_trigger(table: str) -> str:
    # DEFERRABLE INITIALLY DEFERRED: the services write rows first and the event last,
    # in one transaction; the check waits for the commit. A login cannot SET CONSTRAINTS
    # it away: that only moves the check earlier (IMMEDIATE), never skips it.
    return f"""CREATE CONSTRAINT TRIGGER {table}{TRIGGER_SUFFIX}
        AFTER INSERT OR UPDATE OR DELETE ON {table}
        DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION {FUNCTION}()"""


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    schema = str(bind.exec_driver_sql("SELECT quote_ident(current_schema())").scalar_one())
    # psycopg parses %-placeholders even with no parameters; plpgsql needs a bare %.
    bind.exec_driver_sql(_create_function(schema).replace("%", "%%"))
    for table in WORKING_TABLES:
        bind.exec_driver_sql(_create_trigger(table))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table in WORKING_TABLES:
        bind.exec_driver_sql(f"DROP TRIGGER {table}{TRIGGER_SUFFIX} ON {table}")
    bind.exec_driver_sql(f"DROP FUNCTION {FUNCTION}()")
