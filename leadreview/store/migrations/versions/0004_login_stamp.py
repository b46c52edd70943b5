"""Audit event format 2: how the actor was authenticated and which login stored the
event; on PostgreSQL the database stamps the login itself (`session_user`) and refuses an
event in a role the login does not hold.

Revision ID: 0004_login_stamp
Revises: 0004_merkle
Create Date: 2025-01-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_login_stamp"
down_revision: str | None = "0004_merkle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLE_PREFIX = "leadreview_"

# Every event stored from now on is format 2: a format 1 event has no login in its
# envelope, so accepting one would let a writer dodge the stamp.
SQLITE_GUARDS = [
    """CREATE TRIGGER audit_event_current_format BEFORE INSERT ON audit_event
    WHEN NEW.format < 2
    BEGIN SELECT RAISE(ABORT, 'audit_event: events are stored in format 2'); END""",
]

POSTGRES_GUARDS = [
    # Not SECURITY DEFINER: it reads only what every login may read (pg_roles).
    f"""CREATE FUNCTION audit_event_stamp_login() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.format IS NULL OR NEW.format < 2 THEN
        RAISE EXCEPTION 'audit_event: events are stored in format 2'
          USING ERRCODE = 'check_violation';
      END IF;
      IF session_user::text ~ '["\\\\[:cntrl:]]' THEN
        RAISE EXCEPTION 'audit_event: login % cannot be sealed in an event', session_user
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      -- Whatever the writer sent, the row names the login that really stored it.
      NEW.login := session_user;
      -- The owner (and a superuser) may write any role: they can disable this trigger
      -- anyway. Every other login acts only in a role granted to it.
      IF NOT pg_has_role(session_user,
                         (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER')
         AND NOT EXISTS (SELECT 1 FROM pg_roles r
                         WHERE r.rolname = '{ROLE_PREFIX}' || NEW.role
                           AND pg_has_role(session_user, r.oid, 'MEMBER')) THEN
        RAISE EXCEPTION 'login % does not hold the role % (leadreview db grant % %)',
          session_user, NEW.role, session_user, NEW.role
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      RETURN NEW;
    END $$""",
    """CREATE TRIGGER audit_event_stamp_login BEFORE INSERT ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_stamp_login()""",
]


def upgrade() -> None:
    # Existing events are format 1 with no auth and no login; they verify as sealed.
    op.add_column(
        "audit_event", sa.Column("format", sa.Integer(), nullable=False, server_default="1")
    )
    op.add_column("audit_event", sa.Column("auth", sa.Text(), nullable=False, server_default=""))
    op.add_column("audit_event", sa.Column("login", sa.Text(), nullable=False, server_default=""))
    bind = op.get_bind()
    dialect = bind.dialect.name
    for statement in POSTGRES_GUARDS if dialect == "postgresql" else SQLITE_GUARDS:
        # psycopg parses %-placeholders even with no parameters; plpgsql needs a bare %.
        bind.exec_driver_sql(statement.replace("%", "%%") if dialect == "postgresql" else statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql("DROP TRIGGER audit_event_stamp_login ON audit_event")
        bind.exec_driver_sql("DROP FUNCTION audit_event_stamp_login()")
    else:
        bind.exec_driver_sql("DROP TRIGGER audit_event_current_format")
    for name in ("login", "auth", "format"):
        op.drop_column("audit_event", name)
