"""Principals: roles the SQLite database's owner granted to other OS users, and the
facilitator's join codes for a served room (stored hashed).

The schema is owned by the Alembic revision `0005_principals`; these classes describe it
and must stay in step with it (a test compares them).
"""

from datetime import datetime

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel


class RoleGrantRow(SQLModel, table=True):
    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("login", "role", name="uq_role_grant_login_role"),)

    id: int | None = Field(default=None, sa_column=Column("id", Integer, primary_key=True))
    login: str = Field(sa_column=Column("login", String(120), nullable=False))
    role: str = Field(sa_column=Column("role", String(32), nullable=False))
    granted_by: str = Field(sa_column=Column("granted_by", String(120), nullable=False))
    granted_at: datetime = Field(
        sa_column=Column("granted_at", DateTime(timezone=True), nullable=False)
    )


class ExerciseInviteRow(SQLModel, table=True):
    __tablename__ = "exercise_invite"

    id: int | None = Field(default=None, sa_column=Column("id", Integer, primary_key=True))
    exercise_id: int = Field(
        sa_column=Column("exercise_id", Integer, ForeignKey("exercise.id"), nullable=False)
    )
    name: str = Field(sa_column=Column("name", String(120), nullable=False))
    role: str = Field(sa_column=Column("role", String(32), nullable=False))
    code_sha256: str = Field(
        sa_column=Column("code_sha256", String(64), nullable=False, unique=True)
    )
    issued_by: str = Field(sa_column=Column("issued_by", String(120), nullable=False))
    issued_at: datetime = Field(
        sa_column=Column("issued_at", DateTime(timezone=True), nullable=False)
    )
    expires_at: datetime | None = Field(
        default=None, sa_column=Column("expires_at", DateTime(timezone=True), nullable=True)
    )
    used_at: datetime | None = Field(
        default=None, sa_column=Column("used_at", DateTime(timezone=True), nullable=True)
    )
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column("revoked_at", DateTime(timezone=True), nullable=True)
    )
