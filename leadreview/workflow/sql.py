"""Small SQL helpers that differ between SQLite and PostgreSQL."""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel


def insert_if_absent(session: Session, table: Table, values: Mapping[str, Any]) -> bool:
    """Insert a row unless one with the same unique key exists; True if inserted.

    `ON CONFLICT DO NOTHING` on both backends, so two sessions registering the same
    thing at once do not fail on a unique constraint.
    """
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    # RETURNING, not rowcount: psycopg reports a rowcount for a skipped conflicting
    # insert that is not 0, which made every call look like a first registration.
    statement = (
        module.insert(table)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(*table.primary_key.columns)
    )
    return session.execute(statement).first() is not None


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time we store is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a SQLModel class (`__table__` is invisible to the type checker)."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]
