"""Who may run an exercise, and who may take part.

The workflow's permission table gives `open-exercise` to supervisors and facilitators;
an exercise is stricter: only a facilitator starts, and only the exercise's own
facilitator (the principal who started it) assigns, releases injects, reveals, closes,
exports, validates and plans improvements — another facilitator is refused like anyone
else; a facilitator does not review. The exercise's clock (a system principal, see
`clock_name`) may release that exercise's injects and nothing else. A refusal is
audited in a transaction of its own before it is raised, as the workflow does (P10).
"""

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from leadreview.domain.roles import Action, Actor, Role, may
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.permissions import refuse


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


# The bundled demo's exercise is seeded by this system name, not by a person; any
# facilitator may run it (it holds synthetic practice cases only).
DEMO_FACILITATOR_NAME = "demo facilitator"


def clock_name(exercise_id: int) -> str:
    """The name the exercise's clock acts under when it releases scheduled injects."""
    return f"exercise-{exercise_id}-clock"


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
    owner = facilitator_of(ctx, int(exercise_id))
    if owner is not None and owner not in (actor.name, DEMO_FACILITATOR_NAME):
        reason = f"only exercise {exercise_id}'s facilitator {owner!r} may {action.value}"
        refuse(ctx, actor, action.value, subject, reason)


def facilitator_of(ctx: WorkflowContext, exercise_id: int) -> str | None:
    """Who started the exercise (None if there is no such exercise: the caller's own
    lookup then says so)."""
    from leadreview.store.tables.exercise import ExerciseRow
    from leadreview.workflow import exercise_reads

    with ctx.store.reading() as session:
        row = session.get(ExerciseRow, exercise_id)
        return exercise_reads.reviewer_name(session, row.started_by_id) if row else None
