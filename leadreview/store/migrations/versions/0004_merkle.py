"""The RFC 6962 Merkle tree over the audit events (`audit_merkle`, hashes back-filled for
existing events) and the log's identity (`audit_log_identity`, a random id the checkpoint
origin names), both append-only like `audit_event`.

Revision ID: 0004_merkle
Revises: 0003_exercise
Create Date: 2025-01-04
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_merkle"
down_revision: str | None = "0003_exercise"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "leadreview_app"
TABLES = ("audit_merkle", "audit_log_identity")
_BACKFILL_CHUNK = 20_000


def _sqlite_guards(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER {table}_refuse_update BEFORE UPDATE ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END""",
        f"""CREATE TRIGGER {table}_refuse_delete BEFORE DELETE ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END""",
    ]


POSTGRES_FUNCTION = """CREATE FUNCTION audit_table_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
    END $$"""


def _postgres_guards(table: str) -> list[str]:
    return [
        f"""CREATE TRIGGER {table}_refuse_update_delete BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION audit_table_refuse_change()""",
        f"""CREATE TRIGGER {table}_refuse_truncate BEFORE TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION audit_table_refuse_change()""",
    ]


POSTGRES_GRANTS = f"""DO $$
    BEGIN
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
        REVOKE ALL ON audit_merkle, audit_log_identity FROM {APP_ROLE};
        GRANT SELECT, INSERT ON audit_merkle TO {APP_ROLE};
        GRANT SELECT ON audit_log_identity TO {APP_ROLE};
      END IF;
    END $$"""


def upgrade() -> None:
    seq_type = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "audit_merkle",
        sa.Column("seq", seq_type, primary_key=True, autoincrement=False),
        sa.Column("hashes", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("seq >= 1", name="ck_audit_merkle_seq_positive"),
        sa.CheckConstraint(
            "length(hashes) >= 32 AND length(hashes) % 32 = 0", name="ck_audit_merkle_hashes"
        ),
    )
    op.create_table(
        "audit_log_identity",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("log_id", sa.String(64), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_audit_log_identity_single_row"),
    )
    bind = op.get_bind()
    # 128 random bits: no two logs share an origin, so no checkpoint fits another log.
    bind.execute(
        sa.text("INSERT INTO audit_log_identity (id, log_id) VALUES (1, :log_id)"),
        {"log_id": secrets.token_hex(16)},
    )
    _backfill(bind)
    if bind.dialect.name == "postgresql":
        statements = [POSTGRES_FUNCTION]
        for table in TABLES:
            statements += _postgres_guards(table)
        statements.append(POSTGRES_GRANTS)
    else:
        statements = [s for table in TABLES for s in _sqlite_guards(table)]
    for statement in statements:
        escaped = statement.replace("%", "%%") if bind.dialect.name == "postgresql" else statement
        bind.exec_driver_sql(escaped)


def _backfill(bind: sa.Connection) -> None:
    """Hash every existing event into the tree, in order, from its stored text — the
    same envelope bytes its chain digest covers (whether or not they still match it:
    the tree commits to the log as stored; `audit verify` names any broken event)."""
    from leadreview.audit.canonical import entry_bytes
    from leadreview.audit.merkle import CompactRange, leaf_hash

    tree = CompactRange()
    last = 0
    select = sa.text(
        "SELECT seq, time, actor, role, event_type, payload, prev_digest FROM audit_event "
        "WHERE seq > :last ORDER BY seq LIMIT :limit"
    )
    insert = sa.text("INSERT INTO audit_merkle (seq, hashes) VALUES (:seq, :hashes)")
    while rows := bind.execute(select, {"last": last, "limit": _BACKFILL_CHUNK}).all():
        batch = []
        for row in rows:
            hashes = tree.append(leaf_hash(entry_bytes(tuple(row))))
            # A gap in the stored sequence still gets consecutive records: the tree
            # indexes events by position, and verify reports the gap itself.
            batch.append({"seq": tree.size, "hashes": b"".join(hashes)})
        bind.execute(insert, batch)
        last = int(rows[-1][0])


def downgrade() -> None:
    bind = op.get_bind()
    for table in TABLES:
        if bind.dialect.name == "postgresql":
            bind.exec_driver_sql(f"DROP TABLE {table} CASCADE")
        else:
            op.drop_table(table)
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql("DROP FUNCTION audit_table_refuse_change()")
