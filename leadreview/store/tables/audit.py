"""The audit log's tables. The schema itself is owned by the Alembic migrations; these
classes describe it for queries and must stay in step with them (a test checks)."""

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)
from sqlmodel import Field, SQLModel

# SQLite only makes `INTEGER PRIMARY KEY` an alias of the rowid (a clustered key); a
# BIGINT primary key there would be a second, slower index.
SEQ_TYPE = BigInteger().with_variant(Integer(), "sqlite")
DIGEST_HEX_LENGTH = 64
TIME_TEXT_LENGTH = 27  # 2024-01-02T03:04:05.123456Z


class AuditEventRow(SQLModel, table=True):
    """One event. Append-only: the database refuses UPDATE, DELETE and TRUNCATE."""

    __tablename__ = "audit_event"
    __table_args__ = (
        CheckConstraint("seq >= 1", name="ck_audit_event_seq_positive"),
        CheckConstraint("length(actor) > 0", name="ck_audit_event_actor_nonempty"),
        CheckConstraint("length(role) > 0", name="ck_audit_event_role_nonempty"),
        CheckConstraint("length(event_type) > 0", name="ck_audit_event_type_nonempty"),
        CheckConstraint(f"length(time) = {TIME_TEXT_LENGTH}", name="ck_audit_event_time_format"),
        CheckConstraint(
            f"length(digest) = {DIGEST_HEX_LENGTH}", name="ck_audit_event_digest_length"
        ),
        CheckConstraint(
            f"length(prev_digest) = {DIGEST_HEX_LENGTH}", name="ck_audit_event_prev_length"
        ),
    )

    seq: int = Field(sa_column=Column("seq", SEQ_TYPE, primary_key=True, autoincrement=False))
    time: str = Field(sa_column=Column("time", String(TIME_TEXT_LENGTH), nullable=False))
    actor: str = Field(sa_column=Column("actor", Text, nullable=False))
    role: str = Field(sa_column=Column("role", Text, nullable=False))
    event_type: str = Field(sa_column=Column("event_type", Text, nullable=False))
    # The payload's canonical JSON text exactly as it was hashed.
    payload: str = Field(sa_column=Column("payload", Text, nullable=False))
    prev_digest: str = Field(
        sa_column=Column("prev_digest", String(DIGEST_HEX_LENGTH), nullable=False, unique=True)
    )
    # Not UNIQUE: in a valid chain every digest reappears as the next event's (unique)
    # prev_digest, and a second random-keyed index would halve the append rate.
    digest: str = Field(sa_column=Column("digest", String(DIGEST_HEX_LENGTH), nullable=False))
    # Format 2 (docs/audit-format.md): 1 for events sealed before it, whose envelope has
    # neither of the next two fields.
    format: int = Field(
        default=1, sa_column=Column("format", Integer, nullable=False, server_default="1")
    )
    # How the actor was authenticated: os-user, postgres-login, join-code, system-clock…
    auth: str = Field(default="", sa_column=Column("auth", Text, nullable=False, server_default=""))
    # The login that stored the event; on PostgreSQL stamped by a trigger (session_user).
    login: str = Field(
        default="", sa_column=Column("login", Text, nullable=False, server_default="")
    )


class AuditHeadRow(SQLModel, table=True):
    """A single row that appenders lock (`SELECT … FOR UPDATE` on PostgreSQL) so that
    reading the head and inserting the next event is serialised without an IDENTITY
    column, which would leave gaps when a transaction rolls back."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="ck_audit_head_single_row"),)

    id: int = Field(sa_column=Column("id", Integer, primary_key=True, autoincrement=False))


# SQLModel sets __table__ at class creation, but its stubs do not declare it.
AUDIT_EVENT_TABLE: Table = AuditEventRow.__table__  # type: ignore[attr-defined]


class AuditMerkleRow(SQLModel, table=True):
    """The RFC 6962 tree hashes event `seq` stores (see audit/merkle.py): its leaf hash,
    then the root of each complete subtree it closes, 32 bytes each. Written in the same
    transaction as the event; append-only like it."""

    __tablename__ = "audit_merkle"
    __table_args__ = (
        CheckConstraint("seq >= 1", name="ck_audit_merkle_seq_positive"),
        CheckConstraint(
            "length(hashes) >= 32 AND length(hashes) % 32 = 0", name="ck_audit_merkle_hashes"
        ),
    )

    seq: int = Field(sa_column=Column("seq", SEQ_TYPE, primary_key=True, autoincrement=False))
    hashes: bytes = Field(sa_column=Column("hashes", LargeBinary, nullable=False))


class AuditLogIdentityRow(SQLModel, table=True):
    """The log's id, chosen at random when the log is created: checkpoints name the log
    by it (their origin), so two databases never share checkpoints. Never changes."""

    __tablename__ = "audit_log_identity"
    __table_args__ = (CheckConstraint("id = 1", name="ck_audit_log_identity_single_row"),)

    id: int = Field(sa_column=Column("id", Integer, primary_key=True, autoincrement=False))
    log_id: str = Field(sa_column=Column("log_id", String(64), nullable=False))


AUDIT_MERKLE_TABLE: Table = AuditMerkleRow.__table__  # type: ignore[attr-defined]
