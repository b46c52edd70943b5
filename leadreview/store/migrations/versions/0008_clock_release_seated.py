"""On PostgreSQL the exercise's clock may release a due inject from a seated participant's
login: whoever's command notices first that an inject has come due releases it, and the
release is recorded under the clock (`exercise-<id>-clock`, role facilitator, `auth`
`system-clock`), not the participant.

Until now 0004's trigger refused that event to any login not granted the facilitator
role, so a reviewer's `exercise decide` or board could not release what had come due. The
trigger now also accepts an event only when ALL of these hold:

- it is `exercise.inject_released` by `exercise-<id>-clock`, in role facilitator, `auth`
  `system-clock`, for exercise `<id>`;
- the login seated a participant in that exercise (it stored an `exercise.joined` of it:
  a reviewer's own login, or the login serving a room that signed one in);
- the exercise is running and its clock is not paused (only the facilitator's
  `exercise.paused`/`exercise.resumed` events count, as `exercise/pausing.py` reads them);
- the inject is one the exercise's own `exercise.started` recorded (the event stored by
  the transaction that created the exercise row: not a later raw event's, nor an inject
  row, which a login can add), never released before (no earlier release event of it);
- and it is due, as the release says (`trigger`): `schedule`, when the database's own
  time since the start, less every paused interval, is at least its recorded
  `release_after_minutes`; `condition <when>:<case>`, when that is its recorded
  condition and it holds in the rows now (a decision on a lead of the case, or a lead of
  it forwarded: `exercise/conditions.py`). The database's clock, not the application's:
  a release the application finds due a moment before the database does is refused.

Any other event in an ungranted role is refused as before: a participant cannot release
an inject early, by hand, under a condition not met, nor write any other facilitator
event. The inject row itself is still held to the event by 0007 (its exercise, key and
releaser). Exercises started before this revision recorded no conditions: their
conditional injects still wait for the facilitator's console.

The trigger function is rewritten whole, and everything in it is now qualified (tables by
the schema, functions, catalogue views and operators by pg_catalog) as 0006's and 0007's
are: a login's own `pg_temp.pg_roles` must not answer for which roles it holds.

Nothing changes on SQLite, which has no logins.

Revision ID: 0008_clock_release_seated
Revises: 0007_event_describes_change
Create Date: 2025-01-08
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008_clock_release_seated"
down_revision: str | None = "0007_event_describes_change"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE_PREFIX = "leadreview_"
CLOCK_CHECK = "exercise_clock_may_release"
STAMP_FUNCTION = "audit_event_stamp_login"
_EQ = "OPERATOR(pg_catalog.=)"


def _clock_check(schema: str) -> str:
    """Whether an event is the exercise clock's release of an inject that is due now, and
    the login noticing it is seated in that exercise (`schema` quoted). Never raises: a
    malformed payload is simply not such a release."""
    jsonb_text = "OPERATOR(pg_catalog.->>)"
    return f"""CREATE FUNCTION {CLOCK_CHECK}(
        event_actor pg_catalog.text, event_role pg_catalog.text, event_auth pg_catalog.text,
        event_kind pg_catalog.text, event_payload pg_catalog.text)
      RETURNS pg_catalog.bool LANGUAGE plpgsql AS $$
    DECLARE
      p pg_catalog.jsonb;
      wanted pg_catalog.int8;
      running record;
      recorded pg_catalog.jsonb;
      release_when pg_catalog.jsonb;
      after_minutes pg_catalog.float8;
      pause record;
      paused_since pg_catalog.timestamptz;
      paused_total pg_catalog.interval := pg_catalog.make_interval();
    BEGIN
      IF NOT (event_kind {_EQ} 'exercise.inject_released'
              AND event_role {_EQ} 'facilitator'
              AND event_auth {_EQ} 'system-clock') THEN
        RETURN false;
      END IF;
      BEGIN
        p := event_payload::pg_catalog.jsonb;
        wanted := (p {jsonb_text} 'exercise_id')::pg_catalog.int8;
      EXCEPTION WHEN OTHERS THEN
        RETURN false;
      END;
      IF wanted IS NULL
         OR NOT event_actor {_EQ} ('exercise-' OPERATOR(pg_catalog.||) wanted::pg_catalog.text
                                   OPERATOR(pg_catalog.||) '-clock') THEN
        RETURN false;
      END IF;
      -- Seated: this login stored a join into the exercise.
      IF NOT EXISTS (
          SELECT 1 FROM {schema}.audit_event j
          WHERE j.event_type {_EQ} 'exercise.joined' AND j.login {_EQ} session_user::pg_catalog.text
            AND (j.payload::pg_catalog.jsonb {jsonb_text} 'exercise_id')
                {_EQ} wanted::pg_catalog.text) THEN
        RETURN false;
      END IF;
      SELECT e.status, e.started_at, e.xmin AS xmin INTO running FROM {schema}.exercise e
        WHERE e.id {_EQ} wanted;
      IF NOT FOUND OR NOT running.status {_EQ} 'running' THEN
        RETURN false;
      END IF;
      -- The inject as the exercise's own start recorded it: the exercise.started
      -- stored by the transaction that created the exercise row (a running exercise's row
      -- is never updated). Not the inject rows, nor a later exercise.started: a login can
      -- add either with a raw event of its own, and 0007 holds such an INSERT to the
      -- exercise's id only.
      SELECT i INTO recorded
        FROM {schema}.audit_event s,
             pg_catalog.jsonb_array_elements(
               s.payload::pg_catalog.jsonb OPERATOR(pg_catalog.->) 'injects') i
        WHERE s.event_type {_EQ} 'exercise.started' AND s.xmin {_EQ} running.xmin
          AND (s.payload::pg_catalog.jsonb {jsonb_text} 'exercise_id')
              {_EQ} wanted::pg_catalog.text
          AND (i {jsonb_text} 'inject_key') {_EQ} (p {jsonb_text} 'inject_key')
        LIMIT 1;
      IF recorded IS NULL THEN
        RETURN false;  -- not one of the exercise's injects
      END IF;
      -- Released once, never twice: not by the row (this transaction may have set it
      -- again), by the log.
      IF EXISTS (
          SELECT 1 FROM {schema}.audit_event r
          WHERE r.event_type {_EQ} 'exercise.inject_released'
            AND (r.payload::pg_catalog.jsonb {jsonb_text} 'exercise_id')
                {_EQ} wanted::pg_catalog.text
            AND (r.payload::pg_catalog.jsonb {jsonb_text} 'inject_key')
                {_EQ} (p {jsonb_text} 'inject_key')) THEN
        RETURN false;
      END IF;
      -- The exercise clock, as exercise/pausing.py builds it from the log: only a
      -- facilitator pauses and resumes (a raw `exercise.resumed` of a reviewer's is no
      -- resumption).
      FOR pause IN
        SELECT a.event_type AS kind,
               (a.payload::pg_catalog.jsonb {jsonb_text} 'at')::pg_catalog.timestamptz AS at
          FROM {schema}.audit_event a
          WHERE a.event_type {_EQ} ANY (ARRAY['exercise.paused', 'exercise.resumed'])
            AND a.role {_EQ} 'facilitator'
            AND (a.payload::pg_catalog.jsonb {jsonb_text} 'exercise_id')
                {_EQ} wanted::pg_catalog.text
          ORDER BY a.seq
      LOOP
        IF pause.kind {_EQ} 'exercise.paused' AND paused_since IS NULL THEN
          paused_since := pause.at;
        ELSIF pause.kind {_EQ} 'exercise.resumed' AND paused_since IS NOT NULL THEN
          paused_total := paused_total OPERATOR(pg_catalog.+)
            GREATEST(pause.at OPERATOR(pg_catalog.-) paused_since,
                                pg_catalog.make_interval());
          paused_since := NULL;
        END IF;
      END LOOP;
      IF paused_since IS NOT NULL THEN
        RETURN false;  -- paused: no time passes in play, nothing comes out
      END IF;
      IF (p {jsonb_text} 'trigger') {_EQ} 'schedule' THEN
        after_minutes := (recorded {jsonb_text} 'release_after_minutes')::pg_catalog.float8;
        RETURN after_minutes IS NOT NULL
           AND pg_catalog.now() OPERATOR(pg_catalog.-) running.started_at
                 OPERATOR(pg_catalog.-) paused_total
               OPERATOR(pg_catalog.>=)
               pg_catalog.make_interval(secs => after_minutes OPERATOR(pg_catalog.*) 60);
      END IF;
      -- A conditional inject (exercise/conditions.py): its condition, as recorded, named
      -- by the release and holding in play now.
      release_when := recorded OPERATOR(pg_catalog.->) 'release_when';
      IF release_when IS NULL
         OR (p {jsonb_text} 'trigger') IS DISTINCT FROM
            ('condition ' OPERATOR(pg_catalog.||) (release_when {jsonb_text} 'when')
             OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) (release_when {jsonb_text} 'case'))
      THEN
        RETURN false;
      END IF;
      IF (release_when {jsonb_text} 'when') {_EQ} 'case_decided' THEN
        RETURN EXISTS (
          SELECT 1 FROM {schema}.decision d
            JOIN {schema}.lead l ON l.id {_EQ} d.lead_id
            JOIN {schema}.exercise_case c ON c.case_id {_EQ} l.case_id
          WHERE c.exercise_id {_EQ} wanted
            AND c.case_key {_EQ} (release_when {jsonb_text} 'case'));
      END IF;
      IF (release_when {jsonb_text} 'when') {_EQ} 'lead_forwarded' THEN
        RETURN EXISTS (
          SELECT 1 FROM {schema}.lead l
            JOIN {schema}.exercise_case c ON c.case_id {_EQ} l.case_id
          WHERE c.exercise_id {_EQ} wanted
            AND c.case_key {_EQ} (release_when {jsonb_text} 'case')
            AND l.status {_EQ} 'forwarded');
      END IF;
      RETURN false;
    END $$"""


def _stamp_function(schema: str) -> str:
    """0004's trigger function, qualified throughout, with the clock's one exception."""
    return f"""CREATE OR REPLACE FUNCTION {STAMP_FUNCTION}() RETURNS trigger
      LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.format IS NULL OR NEW.format OPERATOR(pg_catalog.<) 2 THEN
        RAISE EXCEPTION 'audit_event: events are stored in format 2'
          USING ERRCODE = 'check_violation';
      END IF;
      IF session_user::pg_catalog.text OPERATOR(pg_catalog.~) '["\\\\[:cntrl:]]' THEN
        RAISE EXCEPTION 'audit_event: login % cannot be sealed in an event', session_user
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      -- Whatever the writer sent, the row names the login that really stored it.
      NEW.login := session_user;
      -- The owner (and a superuser) may write any role: they can disable this trigger
      -- anyway. Every other login acts only in a role granted to it, but for the exercise
      -- clock's release of a due inject, noticed by a seated participant.
      IF pg_catalog.pg_has_role(session_user,
           (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid {_EQ} TG_RELID), 'MEMBER')
         OR EXISTS (
           SELECT 1 FROM pg_catalog.pg_roles r
           WHERE r.rolname {_EQ} ('{ROLE_PREFIX}' OPERATOR(pg_catalog.||) NEW.role)
             AND pg_catalog.pg_has_role(session_user, r.oid, 'MEMBER')) THEN
        RETURN NEW;
      END IF;
      -- Asked only here, so an event in a role the login holds costs nothing more.
      IF NOT {schema}.{CLOCK_CHECK}(NEW.actor, NEW.role, NEW.auth, NEW.event_type,
                                    NEW.payload) THEN
        RAISE EXCEPTION 'login % does not hold the role % (leadreview db grant % %)',
          session_user, NEW.role, session_user, NEW.role
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      RETURN NEW;
    END $$"""


def _schema() -> str:
    bind = op.get_bind()
    return str(bind.exec_driver_sql("SELECT quote_ident(current_schema())").scalar_one())


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    schema = _schema()
    # psycopg parses %-placeholders even with no parameters; plpgsql needs a bare %.
    bind.exec_driver_sql(_clock_check(schema).replace("%", "%%"))
    bind.exec_driver_sql(_stamp_function(schema).replace("%", "%%"))


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    import importlib.util
    from pathlib import Path

    # 0004's function as it was; its module's name starts with a digit, so by its file.
    spec = importlib.util.spec_from_file_location(
        "login_stamp", Path(__file__).with_name("0004_login_stamp.py")
    )
    assert spec is not None and spec.loader is not None
    login_stamp = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(login_stamp)
    previous = login_stamp.POSTGRES_GUARDS[0].replace(
        "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1
    )
    bind.exec_driver_sql(previous.replace("%", "%%"))
    bind.exec_driver_sql(f"DROP FUNCTION {CLOCK_CHECK}(text, text, text, text, text)")
