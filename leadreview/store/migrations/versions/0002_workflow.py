"""The review workflow: reviewers, policy documents, cases, batch runs, probes, searches,
leads, policy verdicts, decisions and enforcement requests.

Revision ID: 0002_workflow
Revises: 0001_audit_log
Create Date: 2025-01-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_workflow"
down_revision: str | None = "0001_audit_log"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "leadreview_app"
# Decisions, verdicts and requests are facts: the application only adds them. A lead's
# status and version change with each decision, and a batch run's counts at its end.
GRANTS = {
    "reviewer": "SELECT, INSERT",
    "policy_document": "SELECT, INSERT",
    "review_case": "SELECT, INSERT, UPDATE",
    "batch_run": "SELECT, INSERT, UPDATE",
    "probe": "SELECT, INSERT",
    "search": "SELECT, INSERT",
    "lead": "SELECT, INSERT, UPDATE",
    "policy_verdict": "SELECT, INSERT",
    "decision": "SELECT, INSERT",
    "enforcement_request": "SELECT, INSERT",
}


def _time(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("id", sa.Integer(), primary_key=True)


def _ref(name: str, target: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.Integer(), sa.ForeignKey(target), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "reviewer",
        _id(),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        _time("registered_at"),
        sa.UniqueConstraint("name", "role", name="uq_reviewer_name_role"),
    )
    op.create_table(
        "policy_document",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        _time("recorded_at"),
        sa.CheckConstraint("length(sha256) = 64", name="ck_policy_document_sha256"),
    )
    op.create_table(
        "review_case",
        _id(),
        sa.Column("offense", sa.String(500), nullable=False),
        sa.Column("use_case", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _ref("opened_by_id", "reviewer.id"),
        _time("opened_at"),
        sa.Column("policy_name", sa.String(64), nullable=False),
        sa.Column(
            "policy_sha256",
            sa.String(64),
            sa.ForeignKey("policy_document.sha256"),
            nullable=False,
        ),
        sa.Column("reviewers_required", sa.Integer(), nullable=False),
    )
    op.create_table(
        "batch_run",
        _id(),
        sa.Column("label", sa.String(500), nullable=False),
        sa.Column("use_case", sa.String(32), nullable=False),
        _ref("started_by_id", "reviewer.id"),
        _time("started_at"),
        sa.Column("search_count", sa.Integer(), nullable=False),
        sa.Column("lead_count", sa.Integer(), nullable=False),
    )
    op.create_table(
        "probe",
        _id(),
        _ref("case_id", "review_case.id", nullable=True),
        _ref("batch_run_id", "batch_run.id", nullable=True),
        sa.Column("probe_ref", sa.String(255), nullable=True),
        sa.Column("quality", sa.String(16), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        _time("captured_at", nullable=True),
        sa.Column("image_sha256", sa.String(64), nullable=True),
        sa.Column("image", sa.LargeBinary(), nullable=True),
        sa.Column("s3_bucket", sa.String(255), nullable=True),
        sa.Column("s3_name", sa.String(1024), nullable=True),
        sa.Column("s3_version", sa.String(255), nullable=True),
        sa.CheckConstraint(
            "(case_id IS NULL) <> (batch_run_id IS NULL)", name="ck_probe_case_or_batch"
        ),
    )
    op.create_table(
        "search",
        _id(),
        _ref("case_id", "review_case.id", nullable=True),
        _ref("batch_run_id", "batch_run.id", nullable=True),
        _ref("probe_id", "probe.id"),
        _time("searched_at"),
        sa.Column("use_case", sa.String(32), nullable=False),
        sa.Column("collection_id", sa.String(255), nullable=False),
        sa.Column("face_match_threshold", sa.Float(), nullable=False),
        sa.Column("max_faces", sa.Integer(), nullable=False),
        sa.Column("policy_name", sa.String(64), nullable=False),
        sa.Column("policy_sha256", sa.String(64), nullable=False),
        sa.Column("face_model_version", sa.String(64), nullable=True),
        sa.Column("lead_count", sa.Integer(), nullable=False),
        sa.Column("policy_count", sa.Integer(), nullable=False),
        sa.Column("policies", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "(case_id IS NULL) <> (batch_run_id IS NULL)", name="ck_search_case_or_batch"
        ),
    )
    op.create_index("ix_search_case_id", "search", ["case_id"])
    op.create_index("ix_search_batch_run_id", "search", ["batch_run_id"])
    op.create_table(
        "lead",
        _id(),
        _ref("search_id", "search.id"),
        _ref("case_id", "review_case.id", nullable=True),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.Column("face_id", sa.String(64), nullable=False),
        sa.Column("external_image_id", sa.String(255), nullable=True),
        sa.Column("shown", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("search_id", "rank", name="uq_lead_search_rank"),
        sa.CheckConstraint("rank >= 1", name="ck_lead_rank_positive"),
        sa.CheckConstraint("similarity >= 0 AND similarity <= 100", name="ck_lead_similarity"),
    )
    op.create_index("ix_lead_case_id", "lead", ["case_id"])
    op.create_index("ix_lead_status", "lead", ["status"])
    op.create_table(
        "policy_verdict",
        _id(),
        _ref("lead_id", "lead.id"),
        sa.Column("policy_name", sa.String(64), nullable=False),
        sa.Column(
            "policy_sha256",
            sa.String(64),
            sa.ForeignKey("policy_document.sha256"),
            nullable=False,
        ),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.UniqueConstraint("lead_id", "policy_name", name="uq_policy_verdict_lead_policy"),
    )
    op.create_index("ix_policy_verdict_policy", "policy_verdict", ["policy_name", "verdict"])
    op.create_table(
        "decision",
        _id(),
        _ref("lead_id", "lead.id"),
        _ref("reviewer_id", "reviewer.id"),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        _time("decided_at"),
        sa.Column("lead_version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("lead_id", "reviewer_id", name="uq_decision_lead_reviewer"),
        sa.CheckConstraint(
            "kind IN ('possible-lead', 'not-a-match', 'inconclusive')", name="ck_decision_kind"
        ),
        sa.CheckConstraint("length(rationale) > 0", name="ck_decision_rationale"),
    )
    op.create_index("ix_decision_lead_id", "decision", ["lead_id"])
    op.create_table(
        "enforcement_request",
        _id(),
        _ref("lead_id", "lead.id"),
        _ref("requested_by_id", "reviewer.id"),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False),
        _time("requested_at"),
    )
    op.create_index("ix_enforcement_request_lead_id", "enforcement_request", ["lead_id"])
    if op.get_bind().dialect.name == "postgresql":
        _grant_to_app_role()


def _grant_to_app_role() -> None:
    grants = "\n".join(
        f"GRANT {privileges} ON {table} TO {APP_ROLE};" for table, privileges in GRANTS.items()
    )
    sequences = "\n".join(
        f"GRANT USAGE ON SEQUENCE {table}_id_seq TO {APP_ROLE};"
        for table in GRANTS
        if table != "policy_document"
    )
    op.get_bind().exec_driver_sql(
        f"""DO $$
        BEGIN
          IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
            {grants}
            {sequences}
          END IF;
        END $$"""
    )


def downgrade() -> None:
    for table in (
        "enforcement_request",
        "decision",
        "policy_verdict",
        "lead",
        "search",
        "probe",
        "batch_run",
        "review_case",
        "policy_document",
        "reviewer",
    ):
        op.drop_table(table)
