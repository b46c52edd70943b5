"""Who may run an exercise, and who may take part.

The workflow's permission table gives `open-exercise` to supervisors and facilitators;
an exercise is stricter: only a facilitator starts, and only the exercise's own
facilitator (the principal who started it) assigns, releases injects, reveals, closes,
exports, validates and plans improvements — another facilitator is refused like anyone
else; a facilitator does not review. The exercise's clock (a system principal, see
`clock_name`) may release that exercise's injects and nothing else; any facilitator may
run the bundled demo's exercise, and no other (`system_principals`). A refusal is
audited in a transaction of its own before it is raised, as the workflow does (P10).
"""

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from leadreview.domain.roles import Action, Actor, Role, may
from leadreview.errors import PermissionRefused
from leadreview.exercise.system_principals import (
    DEMO_FACILITATOR_NAME,
    clock_name,
    is_demo_exercise,
)
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
    # Join codes for a served room: the exercise's own facilitator issues and revokes.
    INVITE = "exercise-invite"


PARTICIPANT_ACTIONS = frozenset({ExerciseAction.JOIN, ExerciseAction.DECIDE})


def allowed(role: Role, action: ExerciseAction) -> bool:
    if action in PARTICIPANT_ACTIONS:
        return role is not Role.FACILITATOR
    return role is Role.FACILITATOR and may(role, Action.OPEN_EXERCISE)


# Facilitator actions open to any facilitator: starting one's own exercise.
_ANY_FACILITATOR = frozenset({ExerciseAction.START})


def require(
    ctx: WorkflowContext,
    actor: Actor,
    action: ExerciseAction,
    subject: Mapping[str, Any] | None = None,
) -> None:
    if not allowed(actor.role, action):
        reason = f"role {actor.role.value!r} may not {action.value}"
        refuse(ctx, actor, action.value, subject, reason)
    exercise_id = (subject or {}).get("exercise_id")
    if action in PARTICIPANT_ACTIONS or action in _ANY_FACILITATOR or exercise_id is None:
        return
    if action is ExerciseAction.INJECT and actor.name == clock_name(int(exercise_id)):
        return
    owner, demo = facilitator_of(ctx, int(exercise_id))
    if owner is not None and owner != actor.name and not demo:
        reason = f"only exercise {exercise_id}'s facilitator {owner!r} may {action.value}"
        refuse(ctx, actor, action.value, subject, reason)


def facilitator_of(ctx: WorkflowContext, exercise_id: int) -> tuple[str | None, bool]:
    """Who started the exercise (None if there is no such exercise: the caller's own
    lookup then says so), and whether it is the bundled demo's, which any facilitator
    may run (`system_principals.is_demo_exercise`)."""
    from leadreview.store.tables.exercise import ExerciseRow
    from leadreview.workflow import exercise_reads

    with ctx.store.reading() as session:
        row = session.get(ExerciseRow, exercise_id)
        if row is None:
            return None, False
        owner = exercise_reads.reviewer_name(session, row.started_by_id)
        demo = owner is not None and is_demo_exercise(owner, row.scenario_name, row.scenario_sha256)
        return owner, demo


def require_own_name(actor: Actor, scenario_name: str, scenario_sha256: str) -> None:
    """The demo's system name starts the bundled demo and nothing else: an exercise it
    started is one any facilitator may run."""
    if actor.name == DEMO_FACILITATOR_NAME and not is_demo_exercise(
        actor.name, scenario_name, scenario_sha256
    ):
        raise PermissionRefused(
            f"{DEMO_FACILITATOR_NAME!r} starts only the bundled demo, not {scenario_name!r}"
        )


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
