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
