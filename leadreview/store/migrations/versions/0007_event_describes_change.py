"""On PostgreSQL a login's change to a working row commits only with an event that
describes it: 0006 asked that the transaction stored the newest event; now that event's
type must also be one the services write that table under, and where the event names the
row (a lead, a decision, an exercise, an invite…), the changed row must be that one.

So a login that stores a raw `lead.decided` in its own name cannot use it to change
another lead, and an `exercise.*` event changes no lead at all. What is still possible is
written in docs/security.md ("What the database does not stop").

The map lives here, frozen with the revision (a later change of the services needs a new
revision); tests/cli/test_postgres_event_describes_change.py reads it from this file and
holds it against the event types the code defines and the triggers the database runs.

Nothing changes on SQLite, which has no logins.

Revision ID: 0007_event_describes_change
Revises: 0006_service_writes
Create Date: 2025-01-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007_event_describes_change"
down_revision: str | None = "0006_service_writes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each working table, and the types of the event that closes a service's transaction
# writing it (the newest event, which the trigger reads). Derived from the services:
# case opening (workflow/cases.py: `case.opened` then `search.recorded`; imports end with
# `response.imported`), batches (workflow/batch.py `batch.recorded`; batch_cases.py ends
# with `search.recorded`), decisions, enforcement, and the exercise's lifecycle, seats
# and invites. A reviewer row is registered by whichever of those first meets the actor.
EVENTS_WRITING: dict[str, tuple[str, ...]] = {
    "batch_run": ("batch.recorded",),
    "decision": ("lead.decided",),
    "enforcement_request": ("enforcement.granted", "enforcement.refused"),
    "exercise": ("exercise.started", "exercise.revealed", "exercise.closed"),
    "exercise_assignment": ("exercise.assigned",),
    "exercise_case": ("exercise.started",),
    "exercise_inject": ("exercise.started", "exercise.inject_released"),
    "exercise_invite": (
        "exercise.invite_issued",
        "exercise.invite_used",
        "exercise.invite_revoked",
    ),
    "exercise_participant": ("exercise.joined",),
    "lead": ("search.recorded", "response.imported", "batch.recorded", "lead.decided"),
    "policy_document": (
        "case.opened",
        "search.recorded",
        "response.imported",
        "batch.recorded",
    ),
    "policy_verdict": ("search.recorded", "response.imported", "batch.recorded"),
    "probe": ("case.opened", "search.recorded", "response.imported", "batch.recorded"),
    "review_case": ("case.opened", "search.recorded", "response.imported"),
    "reviewer": (
        "reviewer.registered",
        "case.opened",
        "search.recorded",
        "response.imported",
        "batch.recorded",
        "lead.decided",
        "enforcement.granted",
        "enforcement.refused",
        "exercise.started",
        "exercise.joined",
    ),
    "search": ("search.recorded", "response.imported", "batch.recorded"),
}

ANY_TYPE = "*"
# (table, operation, event type) → what must agree: (the row's SQL, the event's field).
# A field is a payload key, or `@actor` / `@role` for the event's own columns. An UPDATE
# commits only under an event listed here for its table: every in-place change the
# services make names its row. INSERTs without a rule are held to the type alone (rows
# written in bulk — leads, searches, verdicts — are not named one by one by the newest
# event; `audit verify` compares them with the events that record them).
SUBJECTS: dict[tuple[str, str, str], tuple[tuple[str, str], ...]] = {
    ("lead", "UPDATE", "lead.decided"): (
        ("NEW.id", "lead_id"),
        ("OLD.version", "lead_version"),
        ("NEW.version OPERATOR(pg_catalog.-) 1", "lead_version"),
        ("NEW.status", "status_after"),
    ),
    ("decision", "INSERT", "lead.decided"): (
        ("NEW.id", "decision_id"),
        ("NEW.lead_id", "lead_id"),
        ("NEW.kind", "decision"),
        ("NEW.lead_version", "lead_version"),
    ),
    **{
        ("enforcement_request", "INSERT", kind): (
            ("NEW.id", "request_id"),
            ("NEW.lead_id", "lead_id"),
            ("NEW.kind", "kind"),
            ("NEW.granted", "granted"),
        )
        for kind in ("enforcement.granted", "enforcement.refused")
    },
    ("batch_run", "INSERT", "batch.recorded"): (("NEW.id", "batch_run_id"),),
    ("batch_run", "UPDATE", "batch.recorded"): (
        ("NEW.id", "batch_run_id"),
        ("NEW.search_count", "search_count"),
        ("NEW.lead_count", "lead_count"),
    ),
    ("exercise", "INSERT", "exercise.started"): (("NEW.id", "exercise_id"),),
    ("exercise", "UPDATE", "exercise.revealed"): (("NEW.id", "exercise_id"),),
    ("exercise", "UPDATE", "exercise.closed"): (("NEW.id", "exercise_id"),),
    ("exercise_case", "INSERT", "exercise.started"): (("NEW.exercise_id", "exercise_id"),),
    ("exercise_inject", "INSERT", "exercise.started"): (("NEW.exercise_id", "exercise_id"),),
    ("exercise_inject", "UPDATE", "exercise.inject_released"): (
        ("NEW.exercise_id", "exercise_id"),
        ("NEW.inject_key", "inject_key"),
        ("NEW.released_by", "@actor"),
    ),
    ("exercise_assignment", "INSERT", "exercise.assigned"): (("NEW.assigned_by", "@actor"),),
    ("exercise_participant", "INSERT", "exercise.joined"): (
        ("NEW.id", "participant_id"),
        ("NEW.exercise_id", "exercise_id"),
        ("NEW.name", "@actor"),
        ("NEW.role", "@role"),
    ),
    ("exercise_invite", "INSERT", "exercise.invite_issued"): (
        ("NEW.id", "invite_id"),
        ("NEW.exercise_id", "exercise_id"),
    ),
    ("exercise_invite", "UPDATE", "exercise.invite_used"): (
        ("NEW.id", "invite_id"),
        ("NEW.exercise_id", "exercise_id"),
    ),
    ("exercise_invite", "UPDATE", "exercise.invite_revoked"): (
        ("NEW.id", "invite_id"),
        ("NEW.exercise_id", "exercise_id"),
    ),
    # Every service registers the person acting, under that person's event.
    ("reviewer", "INSERT", ANY_TYPE): (("NEW.name", "@actor"), ("NEW.role", "@role")),
}

OLD_FUNCTION = "working_row_requires_event"  # 0006's, kept for the downgrade
FUNCTION = "working_row_event_describes_change"
TRIGGER_SUFFIX = "_requires_event"
_EQ = "OPERATOR(pg_catalog.=)"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _event_field(field: str) -> str:
    if field == "@actor":
        return "newest.actor"
    if field == "@role":
        return "newest.role"
    return f"(p OPERATOR(pg_catalog.->>) {_literal(field)})"


def _agreement(pairs: tuple[tuple[str, str], ...]) -> str:
    # Compared as text: a payload's number, boolean or string against the column's own
    # text form; anything missing or of another shape compares false, never null.
    return " AND ".join(
        f"COALESCE(({row})::pg_catalog.text {_EQ} {_event_field(field)}, false)"
        for row, field in pairs
    )


def _subject_branches(schema: str) -> str:
    branches = []
    for (table, operation, event_type), pairs in SUBJECTS.items():
        of_type = (
            "" if event_type == ANY_TYPE else f" AND newest.event_type {_EQ} {_literal(event_type)}"
        )
        branches.append(
            f"""
      ELSIF TG_TABLE_NAME {_EQ} {_literal(table)}
            AND TG_OP {_EQ} {_literal(operation)}{of_type} THEN
        SELECT e.payload::pg_catalog.jsonb INTO p FROM {schema}.audit_event e
          WHERE e.seq {_EQ} newest.seq;
        IF NOT ({_agreement(pairs)}) THEN
          problem := pg_catalog.format('under a %s event that names another row',
                                       newest.event_type);
        END IF;"""
        )
    return "".join(branches)


def _create_function(schema: str) -> str:
    """The check for the schema being migrated (`schema` quoted); the trigger's arguments
    are the event types that write its table. Qualified throughout as 0006's is, so a
    login's own objects on its search_path cannot answer for the log or the operators."""
    return f"""CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      newest record;
      p pg_catalog.jsonb;
      problem pg_catalog.text;
    BEGIN
      -- Not the payload: a batch's event is large, and only a row it names needs it.
      SELECT e.xmin AS xmin, e.seq, e.event_type, e.actor, e.role INTO newest
        FROM {schema}.audit_event e ORDER BY e.seq DESC LIMIT 1;
      IF newest.xmin IS NULL
         OR NOT newest.xmin {_EQ} pg_catalog.pg_current_xact_id()::pg_catalog.xid THEN
        problem := 'without recording it in the audit log';
      ELSIF NOT newest.event_type {_EQ} ANY (TG_ARGV) THEN
        problem := pg_catalog.format('under a %s event, which never changes that table',
                                     newest.event_type);
      {_subject_branches(schema).strip()}
      ELSIF NOT TG_OP {_EQ} 'INSERT' THEN
        problem := pg_catalog.format('under a %s event, which names no row to change',
                                     newest.event_type);
      END IF;
      IF problem IS NULL THEN
        RETURN NULL;
      END IF;
      -- The owner migrates and back-fills without events; it could drop this trigger anyway.
      IF pg_catalog.pg_has_role(session_user,
           (SELECT c.relowner FROM pg_catalog.pg_class c
            WHERE c.oid {_EQ} TG_RELID), 'MEMBER') THEN
        RETURN NULL;
      END IF;
      RAISE EXCEPTION 'login % changed % (%) %', session_user, TG_TABLE_NAME, TG_OP, problem
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'working rows change only through leadreview''s commands';
    END $$"""


def _create_trigger(table: str, function: str, arguments: tuple[str, ...]) -> str:
    # Deferred to the commit, as 0006's: the services write rows first and the event last.
    listed = ", ".join(_literal(a) for a in arguments)
    return f"""CREATE CONSTRAINT TRIGGER {table}{TRIGGER_SUFFIX}
        AFTER INSERT OR UPDATE OR DELETE ON {table}
        DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION {function}({listed})"""


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    schema = str(bind.exec_driver_sql("SELECT quote_ident(current_schema())").scalar_one())
    # psycopg parses %-placeholders even with no parameters; plpgsql needs a bare %.
    bind.exec_driver_sql(_create_function(schema).replace("%", "%%"))
    for table, event_types in EVENTS_WRITING.items():
        bind.exec_driver_sql(f"DROP TRIGGER {table}{TRIGGER_SUFFIX} ON {table}")
        bind.exec_driver_sql(_create_trigger(table, FUNCTION, event_types))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table in EVENTS_WRITING:
        bind.exec_driver_sql(f"DROP TRIGGER {table}{TRIGGER_SUFFIX} ON {table}")
        bind.exec_driver_sql(_create_trigger(table, OLD_FUNCTION, ()))
    bind.exec_driver_sql(f"DROP FUNCTION {FUNCTION}()")
