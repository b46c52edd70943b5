"""The audit log: hash-chained events, the head lock row, and the guards that make the
database itself refuse to change an event.

Revision ID: 0001_audit_log
Revises:
Create Date: 2025-01-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_audit_log"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "leadreview_app"

SQLITE_GUARDS = [
    # With PRAGMA recursive_triggers=ON (set on every connection) the implicit delete of
    # `INSERT OR REPLACE` fires the delete guard too; UPSERT's DO UPDATE fires the update
    # guard. SQLite has no TRUNCATE, and a DELETE without WHERE fires row triggers.
    """CREATE TRIGGER audit_event_refuse_update BEFORE UPDATE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER audit_event_refuse_delete BEFORE DELETE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: DELETE refused'); END""",
]

POSTGRES_GUARDS = [
    """CREATE FUNCTION audit_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
    END $$""",
    # Row triggers catch UPDATE, DELETE and INSERT … ON CONFLICT DO UPDATE (which fires the
    # BEFORE UPDATE trigger); TRUNCATE fires no row triggers, so it needs its own.
    """CREATE TRIGGER audit_event_refuse_update_delete BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()""",
    """CREATE TRIGGER audit_event_refuse_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change()""",
    # The application role may read and append events, and lock the head row; nothing
    # else. Created only if we may create roles; otherwise an administrator creates it
    # (see docs/audit-format.md) and runs the GRANTs below.
    f"""DO $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
        IF EXISTS (SELECT 1 FROM pg_roles
                   WHERE rolname = current_user AND (rolsuper OR rolcreaterole)) THEN
          BEGIN
            CREATE ROLE {APP_ROLE} NOLOGIN;
          EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- created meanwhile by a concurrent migration of another schema
          END;
        ELSE
          RAISE NOTICE 'leadreview: cannot create role {APP_ROLE}; grant it by hand';
        END IF;
      END IF;
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO {APP_ROLE}', current_schema());
        REVOKE ALL ON audit_event, audit_head FROM {APP_ROLE};
        GRANT SELECT, INSERT ON audit_event TO {APP_ROLE};
        -- SELECT … FOR UPDATE needs UPDATE on the locked table; the head row holds no data.
        GRANT SELECT, UPDATE ON audit_head TO {APP_ROLE};
      END IF;
    END $$""",
]


def upgrade() -> None:
    seq_type = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "audit_event",
        sa.Column("seq", seq_type, primary_key=True, autoincrement=False),
        sa.Column("time", sa.String(27), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("event_type", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_digest", sa.String(64), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.UniqueConstraint("prev_digest", name="uq_audit_event_prev_digest"),
        sa.CheckConstraint("seq >= 1", name="ck_audit_event_seq_positive"),
        sa.CheckConstraint("length(actor) > 0", name="ck_audit_event_actor_nonempty"),
        sa.CheckConstraint("length(role) > 0", name="ck_audit_event_role_nonempty"),
        sa.CheckConstraint("length(event_type) > 0", name="ck_audit_event_type_nonempty"),
        sa.CheckConstraint("length(time) = 27", name="ck_audit_event_time_format"),
        sa.CheckConstraint("length(digest) = 64", name="ck_audit_event_digest_length"),
        sa.CheckConstraint("length(prev_digest) = 64", name="ck_audit_event_prev_length"),
    )
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.CheckConstraint("id = 1", name="ck_audit_head_single_row"),
    )
    op.execute(sa.text("INSERT INTO audit_head (id) VALUES (1)"))
    dialect = op.get_bind().dialect.name
    guards = POSTGRES_GUARDS if dialect == "postgresql" else SQLITE_GUARDS
    for statement in guards:
        # psycopg parses %-placeholders even with no parameters; plpgsql needs a bare %.
        escaped = statement.replace("%", "%%") if dialect == "postgresql" else statement
        op.get_bind().exec_driver_sql(escaped)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql("DROP TABLE audit_event CASCADE")
        bind.exec_driver_sql("DROP FUNCTION audit_event_refuse_change()")
    else:
        op.drop_table("audit_event")
    op.drop_table("audit_head")
