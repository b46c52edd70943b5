"""The hot wash and the facilitator's evaluation, recorded as audit events only.

HSEEP closes an exercise with a hot wash (players and facilitator say what went well and
what did not), the evaluators' judgement of each expected action, and an improvement plan
with owners and dates. Each is an event in the audit log and nothing else: the log is the
one source the after-action report reads, so it cannot disagree with it.

Who may write: a hot-wash answer, anyone who joined the exercise and its facilitator; a
validation or an improvement item, the facilitator only. All after the reveal, when the
ground truth is open and the exercise can be discussed; a refusal is itself an event.
"""

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlmodel import Session

from leadreview.domain.roles import Actor, Role
from leadreview.exercise import records
from leadreview.exercise.permissions import ExerciseAction, require
from leadreview.exercise.records import ExerciseEvent, Status
from leadreview.exercise.scenario import ExerciseScenario
from leadreview.workflow.audit_queries import events_of_type
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.errors import InvalidRequest
from leadreview.workflow.permissions import refuse

MAX_TEXT = 4000


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class HotwashAnswer(_Frozen):
    seq: int
    question_index: int  # 1-based, as the debrief numbers its questions
    question: str
    answer: str
    by: str
    role: str


class Validation(_Frozen):
    seq: int
    expectation: str
    met: bool
    note: str
    by: str


class Improvement(_Frozen):
    seq: int
    objective: str | None
    area: str
    action: str
    owner: str
    due: date
    by: str


def _text(value: str, what: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise InvalidRequest(f"{what} must not be empty")
    if len(text) > MAX_TEXT:
        raise InvalidRequest(f"{what} is {len(text)} characters (at most {MAX_TEXT})")
    return text


def _after_reveal(session: Session, exercise_id: int) -> ExerciseScenario:
    row = records.get_exercise(session, exercise_id, lock=True)
    records.require_status(row, Status.REVEALED, Status.CLOSED)
    return records.stored_scenario(row)


def _append(
    ctx: WorkflowContext, session: Session, actor: Actor, event: ExerciseEvent, payload: Any
) -> None:
    ctx.audit.append(
        session, actor=actor.name, role=actor.role.value, event_type=event.value, payload=payload
    )


def answer(ctx: WorkflowContext, actor: Actor, exercise_id: int, index: int, text: str) -> None:
    body = _text(text, "the answer")
    subject = {"exercise_id": exercise_id, "question": index}
    if actor.role is Role.FACILITATOR:
        # The exercise's own facilitator, not any facilitator: answers go into its AAR.
        require(ctx, actor, ExerciseAction.HOTWASH, subject)
    with ctx.store.reading() as session:
        joined = {p.name for p in records.participants(session, exercise_id)}
    if actor.role is not Role.FACILITATOR and actor.name not in joined:
        refuse(
            ctx,
            actor,
            ExerciseAction.HOTWASH.value,
            subject,
            f"{actor.name!r} did not take part in exercise {exercise_id}",
        )
    with ctx.store.transaction() as session:
        scenario = _after_reveal(session, exercise_id)
        questions = scenario.debrief_questions
        if not 1 <= index <= len(questions):
            raise InvalidRequest(
                f"exercise {exercise_id} has debrief questions 1 to {len(questions)}, not {index}"
            )
        payload = {
            "exercise_id": exercise_id,
            "question_index": index,
            "question": questions[index - 1],
            "answer": body,
        }
        _append(ctx, session, actor, ExerciseEvent.HOTWASH_ANSWERED, payload)


def validate(
    ctx: WorkflowContext, actor: Actor, exercise_id: int, key: str, met: bool, note: str
) -> None:
    """The facilitator's judgement of an expectation; the latest one counts."""
    require(ctx, actor, ExerciseAction.VALIDATE, {"exercise_id": exercise_id, "expectation": key})
    body = _text(note, "the note")
    with ctx.store.transaction() as session:
        scenario = _after_reveal(session, exercise_id)
        if key not in {e.id for e in scenario.expectations}:
            known = ", ".join(e.id for e in scenario.expectations) or "none"
            raise InvalidRequest(
                f"exercise {exercise_id} has no expectation {key!r} (it has: {known})"
            )
        payload = {"exercise_id": exercise_id, "expectation": key, "met": met, "note": body}
        _append(ctx, session, actor, ExerciseEvent.EXPECTATION_VALIDATED, payload)


def plan(
    ctx: WorkflowContext,
    actor: Actor,
    exercise_id: int,
    *,
    area: str,
    action: str,
    owner: str,
    due: date,
    objective: str | None = None,
) -> None:
    require(ctx, actor, ExerciseAction.IMPROVE, {"exercise_id": exercise_id})
    payload = {
        "exercise_id": exercise_id,
        "objective": objective,
        "area": _text(area, "the area for improvement"),
        "action": _text(action, "the corrective action"),
        "owner": _text(owner, "the owner"),
        "due": due.isoformat(),
    }
    with ctx.store.transaction() as session:
        scenario = _after_reveal(session, exercise_id)
        if objective is not None and objective not in {o.id for o in scenario.objectives}:
            raise InvalidRequest(f"exercise {exercise_id} has no objective {objective!r}")
        _append(ctx, session, actor, ExerciseEvent.IMPROVEMENT_PLANNED, payload)


def _of(session: Session, event: ExerciseEvent, exercise_id: int) -> list[Any]:
    return [
        e for e in events_of_type(session, event.value) if e.payload["exercise_id"] == exercise_id
    ]


def answers(session: Session, exercise_id: int) -> list[HotwashAnswer]:
    return [
        HotwashAnswer(
            seq=e.seq,
            question_index=int(e.payload["question_index"]),
            question=str(e.payload["question"]),
            answer=str(e.payload["answer"]),
            by=e.actor,
            role=e.role,
        )
        for e in _of(session, ExerciseEvent.HOTWASH_ANSWERED, exercise_id)
    ]


def validations(session: Session, exercise_id: int) -> dict[str, Validation]:
    latest: dict[str, Validation] = {}
    for e in _of(session, ExerciseEvent.EXPECTATION_VALIDATED, exercise_id):
        key = str(e.payload["expectation"])
        latest[key] = Validation(
            seq=e.seq,
            expectation=key,
            met=bool(e.payload["met"]),
            note=str(e.payload["note"]),
            by=e.actor,
        )
    return latest


def improvements(session: Session, exercise_id: int) -> list[Improvement]:
    return [
        Improvement(
            seq=e.seq,
            objective=e.payload.get("objective"),
            area=str(e.payload["area"]),
            action=str(e.payload["action"]),
            owner=str(e.payload["owner"]),
            due=date.fromisoformat(str(e.payload["due"])),
            by=e.actor,
        )
        for e in _of(session, ExerciseEvent.IMPROVEMENT_PLANNED, exercise_id)
    ]
