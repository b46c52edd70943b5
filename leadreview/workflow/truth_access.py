"""Ground truth is sealed: only the facilitator sees it before a reveal, and each time
they do is on record (`truth.viewed`); anyone else is refused, and the refusal too is an
event (`permission.refused`)."""

from collections.abc import Mapping
from typing import Any

from leadreview.domain.roles import Action, Actor
from leadreview.workflow.audit_port import EventType
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.permissions import require


def open_truth(ctx: WorkflowContext, actor: Actor, subject: Mapping[str, Any]) -> None:
    """Return if `actor` may see the ground truth of `subject` (recorded); else raise
    PermissionRefused after recording the refusal."""
    require(ctx, actor, Action.VIEW_GROUND_TRUTH, subject)
    with ctx.store.transaction() as session:
        ctx.audit.append(
            session,
            actor=actor.name,
            role=actor.role.value,
            event_type=EventType.TRUTH_VIEWED.value,
            payload=dict(subject),
        )


def open_truth_from_settings(actor_name: str | None, role: str, subject: Mapping[str, Any]) -> None:
    """`open_truth` for a command that has no store open: opens it, checks, records."""
    from pydantic import ValidationError

    from leadreview.audit.log import AuditLog
    from leadreview.domain.roles import Role
    from leadreview.errors import InputFileError
    from leadreview.settings import load_settings
    from leadreview.store.store import open_store

    settings = load_settings()
    name = actor_name or settings.resolved_actor()
    try:
        actor = Actor(name=name, role=Role(role))
    except (ValidationError, ValueError) as exc:
        raise InputFileError(f"--actor {name!r} / --role {role!r}: {exc}") from None
    store = open_store(settings)
    try:
        open_truth(WorkflowContext(store=store, audit=AuditLog()), actor, subject)
    finally:
        store.dispose()
