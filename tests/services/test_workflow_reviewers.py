"""A person is registered (and the registration audited) once, however often they act."""

from datetime import UTC, datetime

from sqlmodel import select

from leadreview.audit.log import AuditLog
from leadreview.domain.roles import Actor, Role
from leadreview.store import Store
from leadreview.store.tables.workflow import ReviewerRow
from leadreview.workflow.reviewers import reviewer_id


def test_registration_happens_once_on_both_backends(store: Store) -> None:
    audit = AuditLog()
    actor = Actor(name="alex", role=Role.REVIEWER)
    now = datetime(2026, 1, 2, tzinfo=UTC)
    ids = []
    for _ in range(3):
        with store.transaction() as session:
            ids.append(reviewer_id(session, audit, actor, now))
    assert len(set(ids)) == 1
    with store.reading() as session:
        assert len(session.exec(select(ReviewerRow)).all()) == 1
        events = AuditLog.events(session, event_type="reviewer.registered")
    assert [e.actor for e in events] == ["alex"]
