"""On SQLite the database itself refuses an event that does not extend the log's head:
its `prev_digest` must be the digest of the event at `seq - 1` (the genesis digest for
seq 1). With the primary key on `seq` (no second event at a number) this makes the chain
linear by construction — no fork, no gap, whoever writes — so an appender may guess the
head it last wrote instead of reading it under the writer lock: a wrong guess is
refused by the INSERT, and only then is the head read (audit/log.py,
docs/audit-format.md). Before, `UNIQUE(prev_digest)` refused a fork but not a gap.

Rows already stored are not checked here (a trigger looks at new rows only): an old
log verifies, or fails to, exactly as before.

Nothing changes on PostgreSQL: there the appenders read the head under the `audit_head`
row lock, since a refused INSERT aborts PostgreSQL's whole transaction, and 0006's
commit-time check relies on that lock.

Revision ID: 0009_chain_link_checked
Revises: 0008_clock_release_seated
Create Date: 2025-01-09
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009_chain_link_checked"
down_revision: str | None = "0008_clock_release_seated"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGER = "audit_event_extends_head"
# Frozen with the revision, as canonical.GENESIS_DIGEST is by the audit format.
GENESIS_DIGEST = "0" * 64

# `IS NOT`: a missing predecessor yields NULL, which must refuse too. One lookup on the
# primary key per inserted row, inside SQLite: no round trip of its own.
SQLITE_GUARD = f"""CREATE TRIGGER {TRIGGER} BEFORE INSERT ON audit_event
    WHEN NEW.prev_digest IS NOT (
      CASE WHEN NEW.seq = 1 THEN '{GENESIS_DIGEST}'
           ELSE (SELECT e.digest FROM audit_event e WHERE e.seq = NEW.seq - 1) END)
    BEGIN
      SELECT RAISE(ABORT, 'audit_event: an event must extend the head (digest of seq - 1)');
    END"""


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql(SQLITE_GUARD)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql(f"DROP TRIGGER {TRIGGER}")
