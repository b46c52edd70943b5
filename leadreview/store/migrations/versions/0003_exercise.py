"""Tabletop exercises: exercises, participants, cases with their ground truth,
assignments and injects.

Revision ID: 0003_exercise
Revises: 0002_workflow
Create Date: 2025-01-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_exercise"
down_revision: str | None = "0002_workflow"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "leadreview_app"
# An exercise's status and timestamps change as it runs, and an inject is marked released
# once; participants, cases and assignments are only ever added.
GRANTS = {
    "exercise": "SELECT, INSERT, UPDATE",
    "exercise_participant": "SELECT, INSERT",
    "exercise_case": "SELECT, INSERT",
    "exercise_assignment": "SELECT, INSERT",
    "exercise_inject": "SELECT, INSERT, UPDATE",
}


def _time(name: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("id", sa.Integer(), primary_key=True)


def _ref(name: str, target: str, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.Integer(), sa.ForeignKey(target), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "exercise",
        _id(),
        sa.Column("scenario_name", sa.String(64), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("scenario_sha256", sa.String(64), nullable=False),
        sa.Column("scenario_text", sa.Text(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("policy_in_force", sa.String(64), nullable=False),
        sa.Column("assignment", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        _ref("started_by_id", "reviewer.id"),
        _time("started_at"),
        _time("revealed_at", nullable=True),
        _time("closed_at", nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'revealed', 'closed')", name="ck_exercise_status"
        ),
    )
    op.create_table(
        "exercise_participant",
        _id(),
        _ref("exercise_id", "exercise.id"),
        _ref("reviewer_id", "reviewer.id"),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        _time("joined_at"),
        sa.UniqueConstraint("exercise_id", "name", name="uq_exercise_participant_name"),
    )
    op.create_table(
        "exercise_case",
        _id(),
        _ref("exercise_id", "exercise.id"),
        _ref("case_id", "review_case.id"),
        sa.Column("case_key", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("mated", sa.Boolean(), nullable=False),
        sa.Column("mate_face_id", sa.String(64), nullable=True),
        sa.Column("mate_rank", sa.Integer(), nullable=True),
        sa.Column("mate_similarity", sa.Float(), nullable=True),
        sa.Column("top_impostor_face_id", sa.String(64), nullable=False),
        sa.Column("top_impostor_similarity", sa.Float(), nullable=False),
        sa.Column("lookalike_face_id", sa.String(64), nullable=True),
        sa.Column("subject_group", sa.String(32), nullable=False),
        sa.Column("subject_sex", sa.String(16), nullable=False),
        sa.Column("subject_age_band", sa.String(16), nullable=False),
        sa.UniqueConstraint("exercise_id", "case_key", name="uq_exercise_case_key"),
        sa.UniqueConstraint("case_id", name="uq_exercise_case_case"),
    )
    op.create_table(
        "exercise_assignment",
        _id(),
        _ref("exercise_case_id", "exercise_case.id"),
        _ref("participant_id", "exercise_participant.id"),
        sa.Column("assigned_by", sa.String(120), nullable=False),
        _time("assigned_at"),
        sa.UniqueConstraint(
            "exercise_case_id", "participant_id", name="uq_exercise_assignment_pair"
        ),
    )
    op.create_index("ix_exercise_assignment_participant", "exercise_assignment", ["participant_id"])
    op.create_table(
        "exercise_inject",
        _id(),
        _ref("exercise_id", "exercise.id"),
        sa.Column("inject_key", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("release_after_minutes", sa.Float(), nullable=True),
        _time("released_at", nullable=True),
        sa.Column("released_by", sa.String(120), nullable=True),
        sa.UniqueConstraint("exercise_id", "inject_key", name="uq_exercise_inject_key"),
    )
    if op.get_bind().dialect.name == "postgresql":
        _grant_to_app_role()


def _grant_to_app_role() -> None:
    grants = "\n".join(
        f"GRANT {privileges} ON {table} TO {APP_ROLE};" for table, privileges in GRANTS.items()
    )
    sequences = "\n".join(
        f"GRANT USAGE ON SEQUENCE {table}_id_seq TO {APP_ROLE};" for table in GRANTS
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
        "exercise_inject",
        "exercise_assignment",
        "exercise_case",
        "exercise_participant",
        "exercise",
    ):
        op.drop_table(table)
