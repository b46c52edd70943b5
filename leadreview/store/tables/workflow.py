"""The review workflow's tables: reviewers, cases, probes, searches, leads, the policy
verdicts on every lead, reviewers' decisions and enforcement requests.

The schema is owned by the Alembic revision `workflow_0001`; these classes describe it
for queries and must stay in step with it. Enumerated values are stored as text (with
CHECK constraints where a wrong value would matter) rather than as PostgreSQL ENUM types,
which cannot be changed inside a transaction.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

DIGEST_LENGTH = 64
NAME_LENGTH = 255


def _time(name: str, nullable: bool = False) -> Any:
    return Field(sa_column=Column(name, DateTime(timezone=True), nullable=nullable))


def _key(name: str = "id") -> Any:
    return Field(default=None, sa_column=Column(name, Integer, primary_key=True))


def _ref(name: str, target: str, nullable: bool = False) -> Any:
    return Field(sa_column=Column(name, Integer, ForeignKey(target), nullable=nullable))


def _text(name: str, length: int | None = NAME_LENGTH, nullable: bool = False) -> Any:
    kind = Text if length is None else String(length)
    return Field(sa_column=Column(name, kind, nullable=nullable))


class ReviewerRow(SQLModel, table=True):
    """A person in a role. The same person in two roles is two rows: each event names both."""

    __tablename__ = "reviewer"
    __table_args__ = (UniqueConstraint("name", "role", name="uq_reviewer_name_role"),)

    id: int | None = _key()
    name: str = _text("name", 120)
    role: str = _text("role", 32)
    registered_at: datetime = _time("registered_at")


class PolicyDocumentRow(SQLModel, table=True):
    """The exact bytes of every policy file a verdict was given under, keyed by SHA-256,
    so a verdict can be replayed even after the file on disk has been edited."""

    __tablename__ = "policy_document"
    __table_args__ = (
        CheckConstraint(f"length(sha256) = {DIGEST_LENGTH}", name="ck_policy_document_sha256"),
    )

    sha256: str = Field(sa_column=Column("sha256", String(DIGEST_LENGTH), primary_key=True))
    name: str = _text("name", 64)
    path: str = _text("path", None)
    content: bytes = Field(sa_column=Column("content", LargeBinary, nullable=False))
    recorded_at: datetime = _time("recorded_at")


class CaseRow(SQLModel, table=True):
    __tablename__ = "review_case"

    id: int | None = _key()
    offense: str = _text("offense", 500)
    use_case: str = _text("use_case", 32)
    status: str = _text("status", 16)
    opened_by_id: int = _ref("opened_by_id", "reviewer.id")
    opened_at: datetime = _time("opened_at")
    policy_name: str = _text("policy_name", 64)
    policy_sha256: str = Field(
        sa_column=Column(
            "policy_sha256",
            String(DIGEST_LENGTH),
            ForeignKey("policy_document.sha256"),
            nullable=False,
        )
    )
    # Copied from the policy in force when the case opened: editing the file later does
    # not change how many reviewers this case's leads need.
    reviewers_required: int = Field(sa_column=Column("reviewers_required", Integer, nullable=False))


class BatchRunRow(SQLModel, table=True):
    """A batch of searches recorded by `leadreview replay --record`: no case, no review."""

    __tablename__ = "batch_run"

    id: int | None = _key()
    label: str = _text("label", 500)
    use_case: str = _text("use_case", 32)
    started_by_id: int = _ref("started_by_id", "reviewer.id")
    started_at: datetime = _time("started_at")
    search_count: int = Field(default=0, sa_column=Column("search_count", Integer, nullable=False))
    lead_count: int = Field(default=0, sa_column=Column("lead_count", Integer, nullable=False))


class ProbeRow(SQLModel, table=True):
    __tablename__ = "probe"
    __table_args__ = (
        CheckConstraint(
            "(case_id IS NULL) <> (batch_run_id IS NULL)", name="ck_probe_case_or_batch"
        ),
    )

    id: int | None = _key()
    case_id: int | None = _ref("case_id", "review_case.id", nullable=True)
    batch_run_id: int | None = _ref("batch_run_id", "batch_run.id", nullable=True)
    probe_ref: str | None = _text("probe_ref", nullable=True)
    quality: str = _text("quality", 16)
    source: str = _text("source", 500)
    captured_at: datetime | None = _time("captured_at", nullable=True)
    image_sha256: str | None = _text("image_sha256", DIGEST_LENGTH, nullable=True)
    image: bytes | None = Field(default=None, sa_column=Column("image", LargeBinary))
    s3_bucket: str | None = _text("s3_bucket", nullable=True)
    s3_name: str | None = _text("s3_name", 1024, nullable=True)
    s3_version: str | None = _text("s3_version", nullable=True)


class SearchRow(SQLModel, table=True):
    __tablename__ = "search"
    __table_args__ = (
        CheckConstraint(
            "(case_id IS NULL) <> (batch_run_id IS NULL)", name="ck_search_case_or_batch"
        ),
        Index("ix_search_case_id", "case_id"),
        Index("ix_search_batch_run_id", "batch_run_id"),
    )

    id: int | None = _key()
    case_id: int | None = _ref("case_id", "review_case.id", nullable=True)
    batch_run_id: int | None = _ref("batch_run_id", "batch_run.id", nullable=True)
    probe_id: int = _ref("probe_id", "probe.id")
    searched_at: datetime = _time("searched_at")
    use_case: str = _text("use_case", 32)
    collection_id: str = _text("collection_id")
    face_match_threshold: float = Field(
        sa_column=Column("face_match_threshold", Float, nullable=False)
    )
    max_faces: int = Field(sa_column=Column("max_faces", Integer, nullable=False))
    policy_name: str = _text("policy_name", 64)
    policy_sha256: str = _text("policy_sha256", DIGEST_LENGTH)
    face_model_version: str | None = _text("face_model_version", 64, nullable=True)
    lead_count: int = Field(sa_column=Column("lead_count", Integer, nullable=False))
    policy_count: int = Field(sa_column=Column("policy_count", Integer, nullable=False))
    # [{"name", "sha256"}] of every policy evaluated, in column order: a search with no
    # leads still says which policies it was evaluated under.
    policies: list[dict[str, str]] = Field(sa_column=Column("policies", JSON, nullable=False))


class LeadRow(SQLModel, table=True):
    """A ranked candidate. `version` is bumped by every decision (optimistic concurrency)."""

    __tablename__ = "lead"
    __table_args__ = (
        UniqueConstraint("search_id", "rank", name="uq_lead_search_rank"),
        CheckConstraint("rank >= 1", name="ck_lead_rank_positive"),
        CheckConstraint("similarity >= 0 AND similarity <= 100", name="ck_lead_similarity"),
        Index("ix_lead_case_id", "case_id"),
        Index("ix_lead_status", "status"),
    )

    id: int | None = _key()
    search_id: int = _ref("search_id", "search.id")
    case_id: int | None = _ref("case_id", "review_case.id", nullable=True)
    rank: int = Field(sa_column=Column("rank", Integer, nullable=False))
    similarity: float = Field(sa_column=Column("similarity", Float, nullable=False))
    face_id: str = _text("face_id", 64)
    external_image_id: str | None = _text("external_image_id", nullable=True)
    shown: bool = Field(sa_column=Column("shown", Boolean, nullable=False))
    status: str = _text("status", 32)
    version: int = Field(default=1, sa_column=Column("version", Integer, nullable=False))


class PolicyVerdictRow(SQLModel, table=True):
    __tablename__ = "policy_verdict"
    __table_args__ = (
        UniqueConstraint("lead_id", "policy_name", name="uq_policy_verdict_lead_policy"),
        Index("ix_policy_verdict_policy", "policy_name", "verdict"),
    )

    id: int | None = _key()
    lead_id: int = _ref("lead_id", "lead.id")
    policy_name: str = _text("policy_name", 64)
    policy_sha256: str = Field(
        sa_column=Column(
            "policy_sha256",
            String(DIGEST_LENGTH),
            ForeignKey("policy_document.sha256"),
            nullable=False,
        )
    )
    verdict: str = _text("verdict", 16)
    rule: str = _text("rule", 32)
    reason: str = _text("reason", 500)


class DecisionRow(SQLModel, table=True):
    __tablename__ = "decision"
    __table_args__ = (
        UniqueConstraint("lead_id", "reviewer_id", name="uq_decision_lead_reviewer"),
        CheckConstraint(
            "kind IN ('possible-lead', 'not-a-match', 'inconclusive')", name="ck_decision_kind"
        ),
        CheckConstraint("length(rationale) > 0", name="ck_decision_rationale"),
        Index("ix_decision_lead_id", "lead_id"),
    )

    id: int | None = _key()
    lead_id: int = _ref("lead_id", "lead.id")
    reviewer_id: int = _ref("reviewer_id", "reviewer.id")
    kind: str = _text("kind", 32)
    rationale: str = _text("rationale", None)
    decided_at: datetime = _time("decided_at")
    lead_version: int = Field(sa_column=Column("lead_version", Integer, nullable=False))


class EnforcementRequestRow(SQLModel, table=True):
    """Granted and refused requests alike: a refusal is a fact worth keeping."""

    __tablename__ = "enforcement_request"
    __table_args__ = (Index("ix_enforcement_request_lead_id", "lead_id"),)

    id: int | None = _key()
    lead_id: int = _ref("lead_id", "lead.id")
    requested_by_id: int = _ref("requested_by_id", "reviewer.id")
    kind: str = _text("kind", 16)
    evidence: list[dict[str, Any]] = Field(sa_column=Column("evidence", JSON, nullable=False))
    granted: bool = Field(sa_column=Column("granted", Boolean, nullable=False))
    reason: str = _text("reason", 1000)
    requested_at: datetime = _time("requested_at")


WORKFLOW_TABLES = (
    ReviewerRow,
    PolicyDocumentRow,
    CaseRow,
    BatchRunRow,
    ProbeRow,
    SearchRow,
    LeadRow,
    PolicyVerdictRow,
    DecisionRow,
    EnforcementRequestRow,
)
