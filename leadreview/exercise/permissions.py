"""Who may run an exercise, and who may take part.

The workflow's permission table gives `open-exercise` to supervisors and facilitators;
an exercise is stricter: only a facilitator starts, assigns, releases injects, reveals
and closes, and a facilitator does not review. A refusal is audited in a transaction of
its own before it is raised, as the workflow does (P10).
"""

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from leadreview.domain.roles import Action, Actor, Role, may
from leadreview.errors import PermissionRefused
from leadreview.workflow.audit_port import EventType
from leadreview.workflow.context import WorkflowContext


class ExerciseAction(StrEnum):
    START = "exercise-start"
    ASSIGN = "exercise-assign"
    INJECT = "exercise-inject"
    PAUSE = "exercise-pause"
    RESUME = "exercise-resume"
    EXTEND = "exercise-extend"
    PROGRESS = "exercise-status"
    REVEAL = "exercise-reveal"
    DEBRIEF = "exercise-debrief"
    CLOSE = "exercise-close"
    EXPORT = "exercise-export"
    JOIN = "exercise-join"
    DECIDE = "exercise-decide"
    # After the reveal: the facilitator judges expectations and plans improvements; anyone
    # who took part answers the hot wash (checked against the participants, not the role).
    VALIDATE = "exercise-validate"
    IMPROVE = "exercise-improve"
    HOTWASH = "exercise-hotwash"


PARTICIPANT_ACTIONS = frozenset({ExerciseAction.JOIN, ExerciseAction.DECIDE})


def allowed(role: Role, action: ExerciseAction) -> bool:
    if action in PARTICIPANT_ACTIONS:
        return role is not Role.FACILITATOR
    return role is Role.FACILITATOR and may(role, Action.OPEN_EXERCISE)


def require(
    ctx: WorkflowContext,
    actor: Actor,
    action: ExerciseAction,
    subject: Mapping[str, Any] | None = None,
) -> None:
    if allowed(actor.role, action):
        return
    refuse(ctx, actor, action.value, subject, f"role {actor.role.value!r} may not {action.value}")


def refuse(
    ctx: WorkflowContext,
    actor: Actor,
    action: str,
    subject: Mapping[str, Any] | None,
    reason: str,
) -> None:
    """Record the refusal, commit it, then raise PermissionRefused."""
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
