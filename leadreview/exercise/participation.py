"""What a participant does: join the exercise in a role, see their cases and the injects
released so far, and decide leads — through the review workflow, so that a decision in
an exercise is the same row and the same audit event as any other."""

from sqlmodel import Session, col, select

from leadreview.domain.decision import DecisionKind
from leadreview.domain.roles import Actor
from leadreview.exercise import records
from leadreview.exercise.pausing import clock_of
from leadreview.exercise.permissions import ExerciseAction, require
from leadreview.exercise.records import ExerciseEvent, Status
from leadreview.exercise.scenario import Assignment
from leadreview.exercise.views import MyCase, ParticipantBoard, ParticipantView, PendingLead
from leadreview.store.tables.exercise import (
    ExerciseAssignmentRow,
    ExerciseCaseRow,
    ExerciseParticipantRow,
)
from leadreview.workflow import exercise_reads
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.errors import InvalidRequest, NotFound
from leadreview.workflow.permissions import refuse
from leadreview.workflow.reviewers import reviewer_id
from leadreview.workflow.service import ReviewWorkflow
from leadreview.workflow.views import LeadView


def join(ctx: WorkflowContext, actor: Actor, exercise_id: int) -> ParticipantView:
    """Join in the actor's role; joining again in the same role returns the same seat."""
    require(ctx, actor, ExerciseAction.JOIN, {"exercise_id": exercise_id})
    try:
        return _join(ctx, actor, exercise_id)
    except _NoSeat as exc:
        # The join's transaction has rolled back; the refusal is written on its own.
        refuse(ctx, actor, ExerciseAction.JOIN.value, {"exercise_id": exercise_id}, str(exc))
        raise AssertionError("unreachable: refuse raises") from None


class _NoSeat(Exception):
    pass


def _join(ctx: WorkflowContext, actor: Actor, exercise_id: int) -> ParticipantView:
    now = ctx.clock()
    with ctx.store.transaction() as session:
        row = records.get_exercise(session, exercise_id, lock=True)
        records.require_status(row, Status.RUNNING)
        seated = records.participants(session, exercise_id)
        mine = next((p for p in seated if p.name == actor.name), None)
        if mine is not None:
            if mine.role != actor.role.value:
                raise InvalidRequest(
                    f"{actor.name!r} has already joined exercise {exercise_id} as {mine.role}"
                )
            return records.participant_view(mine)
        limit = records.stored_scenario(row).role_limit(actor.role)
        taken = sum(p.role == actor.role.value for p in seated)
        if limit is None or taken >= limit:
            reason = (
                f"exercise {exercise_id} has no {actor.role.value} seats"
                if limit is None
                else f"exercise {exercise_id}: all {limit} {actor.role.value} seats are taken"
            )
            raise _NoSeat(reason)
        person = ExerciseParticipantRow(
            exercise_id=exercise_id,
            reviewer_id=reviewer_id(session, ctx.audit, actor, now),
            name=actor.name,
            role=actor.role.value,
            joined_at=now,
        )
        session.add(person)
        session.flush()
        ctx.audit.append(
            session,
            actor=actor.name,
            role=actor.role.value,
            event_type=ExerciseEvent.JOINED.value,
            payload={"exercise_id": exercise_id, "participant_id": person.id, "seat": taken + 1},
        )
        return records.participant_view(person)


def decide(
    ctx: WorkflowContext,
    actor: Actor,
    exercise_id: int,
    lead_id: int,
    kind: DecisionKind,
    rationale: str,
    *,
    expected_version: int | None = None,
) -> LeadView:
    subject = {"exercise_id": exercise_id, "lead_id": lead_id}
    require(ctx, actor, ExerciseAction.DECIDE, subject)
    refusal: str | None = None
    with ctx.store.reading() as session:
        row = records.get_exercise(session, exercise_id)
        lead_case_id = exercise_reads.lead_case_id(session, lead_id)
        case = session.exec(
            select(ExerciseCaseRow).where(
                col(ExerciseCaseRow.exercise_id) == exercise_id,
                col(ExerciseCaseRow.case_id) == lead_case_id,
            )
        ).first()
        if case is None:
            raise NotFound(f"lead {lead_id}: not a lead of exercise {exercise_id}")
        # Not running, not seated, not assigned: each is a refusal of this person's
        # action, and a refusal is itself an event (P10), from the CLI and the TUI alike.
        try:
            records.require_status(row, Status.RUNNING)
            person = _seat(session, exercise_id, actor)
        except InvalidRequest as exc:
            refusal = str(exc)
        else:
            if clock_of(session, exercise_id).paused:
                refusal = "the exercise is paused"
            open_play = row.assignment == Assignment.OPEN.value
            if refusal is None and not open_play and not _assigned(session, case, person):
                # By number, as on the board: a scenario's case keys are its author's
                # names, and authors name cases after their answer (sealed truth).
                refusal = f"lead {lead_id}: case {case.case_id} is not assigned to {actor.name!r}"
        workflow = ReviewWorkflow(
            ctx=ctx, policies=exercise_reads.policy_set_of(session, lead_case_id)
        )
    if refusal is not None:
        refuse(ctx, actor, ExerciseAction.DECIDE.value, subject, refusal)
    return workflow.decide(actor, lead_id, kind, rationale, expected_version=expected_version)


def require_seat(ctx: WorkflowContext, actor: Actor, exercise_id: int) -> None:
    """Refuse someone who has not joined the exercise in this role before anything is
    done on their command (the clock's releases included)."""
    with ctx.store.reading() as session:
        _seat(session, exercise_id, actor)


def board(ctx: WorkflowContext, actor: Actor, exercise_id: int) -> ParticipantBoard:
    with ctx.store.reading() as session:
        row = records.get_exercise(session, exercise_id)
        person = _seat(session, exercise_id, actor)
        scenario = records.stored_scenario(row)
        open_play = row.assignment == Assignment.OPEN.value
        every_case = records.cases(session, exercise_id)
        mine = [c for c in every_case if open_play or _assigned(session, c, person)]
        # Injects name cases by their scenario key; participants see the case number.
        opaque = {c.case_key: f"case {c.case_id}" for c in every_case}
        cases = []
        for c in mine:
            offense = exercise_reads.case_offense(session, c.case_id)
            waiting = exercise_reads.pending_leads(session, c.case_id, actor.name)
            cases.append(
                MyCase(
                    case_id=c.case_id,
                    offense=offense or "?",
                    pending_leads=tuple(waiting),
                    pending=tuple(
                        PendingLead(lead_id=lead_id, rank=rank, similarity=similarity)
                        for lead_id, rank, similarity in exercise_reads.ranked_leads(
                            session, waiting
                        )
                    ),
                )
            )
        return ParticipantBoard(
            exercise=records.summary(session, row),
            participant=records.participant_view(person),
            cases=tuple(cases),
            injects=tuple(
                i.model_copy(update={"cases": tuple(opaque.get(k, "a case") for k in i.cases)})
                for i in records.injects(session, exercise_id, scenario, released_only=True)
            ),
        )


def _seat(session: Session, exercise_id: int, actor: Actor) -> ExerciseParticipantRow:
    person = session.exec(
        select(ExerciseParticipantRow).where(
            col(ExerciseParticipantRow.exercise_id) == exercise_id,
            col(ExerciseParticipantRow.name) == actor.name,
        )
    ).first()
    if person is None or person.role != actor.role.value:
        raise InvalidRequest(
            f"{actor.name!r} ({actor.role.value}) has not joined exercise {exercise_id}"
        )
    return person


def _assigned(session: Session, case: ExerciseCaseRow, person: ExerciseParticipantRow) -> bool:
    return (
        session.exec(
            select(ExerciseAssignmentRow.id).where(
                col(ExerciseAssignmentRow.exercise_case_id) == case.id,
                col(ExerciseAssignmentRow.participant_id) == person.id,
            )
        ).first()
        is not None
    )
