"""Tabletop exercises: the exercise, its participants, its cases (with the ground truth
kept until the reveal), who is assigned which case, and the injects released.

The schema is owned by the Alembic revision `0003_exercise`; these classes describe it
and must stay in step with it (a test compares them).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

EXERCISE_STATUSES = ("running", "revealed", "closed")


def _field(column: Column[Any]) -> Any:
    # Nullable columns default to NULL; the others must be given.
    if column.nullable:
        return Field(default=None, sa_column=column)
    return Field(sa_column=column)


def _time(name: str, nullable: bool = False) -> Any:
    return _field(Column(name, DateTime(timezone=True), nullable=nullable))


def _key() -> Any:
    return Field(default=None, sa_column=Column("id", Integer, primary_key=True))


def _ref(name: str, target: str, nullable: bool = False) -> Any:
    return _field(Column(name, Integer, ForeignKey(target), nullable=nullable))


def _text(name: str, length: int | None, nullable: bool = False) -> Any:
    kind = Text if length is None else String(length)
    return _field(Column(name, kind, nullable=nullable))


class ExerciseRow(SQLModel, table=True):
    __tablename__ = "exercise"
    __table_args__ = (
        CheckConstraint("status IN ('running', 'revealed', 'closed')", name="ck_exercise_status"),
    )

    id: int | None = _key()
    scenario_name: str = _text("scenario_name", 64)
    title: str = _text("title", 500)
    # The scenario file's exact bytes (as text) and digest: what the exercise ran.
    scenario_sha256: str = _text("scenario_sha256", 64)
    scenario_text: str = _text("scenario_text", None)
    seed: int = Field(sa_column=Column("seed", BigInteger, nullable=False))
    policy_in_force: str = _text("policy_in_force", 64)
    assignment: str = _text("assignment", 16)
    status: str = _text("status", 16)
    started_by_id: int = _ref("started_by_id", "reviewer.id")
    started_at: datetime = _time("started_at")
    revealed_at: datetime | None = _time("revealed_at", nullable=True)
    closed_at: datetime | None = _time("closed_at", nullable=True)


class ExerciseParticipantRow(SQLModel, table=True):
    __tablename__ = "exercise_participant"
    __table_args__ = (UniqueConstraint("exercise_id", "name", name="uq_exercise_participant_name"),)

    id: int | None = _key()
    exercise_id: int = _ref("exercise_id", "exercise.id")
    reviewer_id: int = _ref("reviewer_id", "reviewer.id")
    name: str = _text("name", 120)
    role: str = _text("role", 32)
    joined_at: datetime = _time("joined_at")


class ExerciseCaseRow(SQLModel, table=True):
    """One case of an exercise and its ground truth (never shown before the reveal)."""

    __tablename__ = "exercise_case"
    __table_args__ = (
        UniqueConstraint("exercise_id", "case_key", name="uq_exercise_case_key"),
        UniqueConstraint("case_id", name="uq_exercise_case_case"),
    )

    id: int | None = _key()
    exercise_id: int = _ref("exercise_id", "exercise.id")
    case_id: int = _ref("case_id", "review_case.id")
    case_key: str = _text("case_key", 64)
    position: int = Field(sa_column=Column("position", Integer, nullable=False))
    mated: bool = Field(sa_column=Column("mated", Boolean, nullable=False))
    mate_face_id: str | None = _text("mate_face_id", 64, nullable=True)
    mate_rank: int | None = Field(default=None, sa_column=Column("mate_rank", Integer))
    mate_similarity: float | None = Field(default=None, sa_column=Column("mate_similarity", Float))
    top_impostor_face_id: str = _text("top_impostor_face_id", 64)
    top_impostor_similarity: float = Field(
        sa_column=Column("top_impostor_similarity", Float, nullable=False)
    )
    lookalike_face_id: str | None = _text("lookalike_face_id", 64, nullable=True)
    subject_group: str = _text("subject_group", 32)
    subject_sex: str = _text("subject_sex", 16)
    subject_age_band: str = _text("subject_age_band", 16)


class ExerciseAssignmentRow(SQLModel, table=True):
    __tablename__ = "exercise_assignment"
    __table_args__ = (
        UniqueConstraint("exercise_case_id", "participant_id", name="uq_exercise_assignment_pair"),
        Index("ix_exercise_assignment_participant", "participant_id"),
    )

    id: int | None = _key()
    exercise_case_id: int = _ref("exercise_case_id", "exercise_case.id")
    participant_id: int = _ref("participant_id", "exercise_participant.id")
    assigned_by: str = _text("assigned_by", 120)
    assigned_at: datetime = _time("assigned_at")


class ExerciseInjectRow(SQLModel, table=True):
    """An inject of the scenario; released once, by the schedule or by hand."""

    __tablename__ = "exercise_inject"
    __table_args__ = (UniqueConstraint("exercise_id", "inject_key", name="uq_exercise_inject_key"),)

    id: int | None = _key()
    exercise_id: int = _ref("exercise_id", "exercise.id")
    inject_key: str = _text("inject_key", 64)
    position: int = Field(sa_column=Column("position", Integer, nullable=False))
    release_after_minutes: float | None = Field(
        default=None, sa_column=Column("release_after_minutes", Float)
    )
    released_at: datetime | None = _time("released_at", nullable=True)
    released_by: str | None = _text("released_by", 120, nullable=True)


EXERCISE_TABLES: tuple[type[SQLModel], ...] = (
    ExerciseRow,
    ExerciseParticipantRow,
    ExerciseCaseRow,
    ExerciseAssignmentRow,
    ExerciseInjectRow,
)
