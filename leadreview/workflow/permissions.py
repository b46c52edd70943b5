"""Refuse what a role may not do, and record the refusal (P10).

The refusal is written in a transaction of its own and committed before the error is
raised: the action is refused, the attempt is not forgotten.
"""

from collections.abc import Mapping
from typing import Any, NoReturn

from leadreview.domain.roles import Action, Actor, may
from leadreview.errors import PermissionRefused
from leadreview.workflow.audit_port import EventType
from leadreview.workflow.context import WorkflowContext


def require(
    ctx: WorkflowContext, actor: Actor, action: Action, subject: Mapping[str, Any] | None = None
) -> None:
    """Return if `actor`'s role may take `action`; else audit the refusal and raise.

    `subject` names what the action was aimed at (e.g. {"lead_id": 12}); it goes into the
    refusal event so an auditor can see what was attempted.
    """
    if may(actor.role, action):
        return
    refuse(ctx, actor, action.value, subject, f"role {actor.role.value!r} may not {action.value}")


def refuse(
    ctx: WorkflowContext,
    actor: Actor,
    action: str,
    subject: Mapping[str, Any] | None,
    reason: str,
) -> NoReturn:
    """Record the refusal in a transaction of its own, commit it, then raise
    PermissionRefused: the workflow's role checks and the exercise's stricter ones."""
    message = f"{reason} (actor {actor.name!r})"
    with ctx.store.transaction() as session:
        ctx.audit.append(
            session,
            actor=actor.name,
            role=actor.role.value,
            event_type=EventType.PERMISSION_REFUSED.value,
            payload={"action": action, "subject": dict(subject or {}), "reason": message},
        )
    raise PermissionRefused(message)
