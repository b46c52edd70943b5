"""The people who act, each in a role: registered on first action, and that is audited."""

from datetime import datetime

from sqlmodel import Session, col, select

from leadreview.domain.roles import Actor
from leadreview.store.tables.workflow import ReviewerRow
from leadreview.workflow.audit_port import AuditAppender, EventType
from leadreview.workflow.sql import insert_if_absent, table_of


def reviewer_id(session: Session, audit: AuditAppender, actor: Actor, now: datetime) -> int:
    """The id of `actor`'s row, registering (and auditing) the actor on first use."""
    # Looked up first: every action after an actor's first finds the row in one
    # statement. A first action inserts; ON CONFLICT covers two first actions racing.
    found = _registered(session, actor)
    if found is not None:
        return found
    inserted = insert_if_absent(
        session,
        table_of(ReviewerRow),
        {"name": actor.name, "role": actor.role.value, "registered_at": now},
    )
    found = _registered(session, actor)
    assert found is not None
    if inserted:
        audit.append(
            session,
            actor=actor.name,
            role=actor.role.value,
            event_type=EventType.REVIEWER_REGISTERED.value,
            payload={"reviewer_id": found, "name": actor.name, "role": actor.role.value},
        )
    return found


def _registered(session: Session, actor: Actor) -> int | None:
    return session.exec(
        select(ReviewerRow.id).where(
            col(ReviewerRow.name) == actor.name, col(ReviewerRow.role) == actor.role.value
        )
    ).first()
