"""The end of an interactive session is on record: a served session left idle is closed,
and the log says whose it was and after how long (`session.timed_out`)."""

from leadreview.domain.roles import Actor
from leadreview.workflow.audit_port import EventType
from leadreview.workflow.context import WorkflowContext


def record_idle_timeout(ctx: WorkflowContext, actor: Actor, idle_seconds: int) -> None:
    """Record that `actor`'s session ended after `idle_seconds` without input (before a
    sign-in, the actor is `unauthenticated`)."""
    with ctx.store.transaction() as session:
        ctx.audit.append(
            session,
            actor=actor.name,
            role=actor.role.value,
            event_type=EventType.SESSION_TIMED_OUT.value,
            payload={"idle_seconds": idle_seconds},
        )
