"""Live progress for the facilitator console: per participant, decisions made and still
pending; per inject, whether it is out; the clock against the time limit."""

from datetime import datetime

from sqlmodel import Session, col, select

from leadreview.domain.roles import Role
from leadreview.exercise import records
from leadreview.exercise.scenario import Assignment
from leadreview.exercise.views import ExerciseProgress, ParticipantProgress
from leadreview.store.tables.exercise import (
    ExerciseAssignmentRow,
    ExerciseCaseRow,
    ExerciseParticipantRow,
)
from leadreview.workflow import exercise_reads
from leadreview.workflow.sql import as_utc


def progress(session: Session, exercise_id: int, now: datetime) -> ExerciseProgress:
    row = records.get_exercise(session, exercise_id)
    scenario = records.stored_scenario(row)
    cases = records.cases(session, exercise_id)
    case_ids = [c.case_id for c in cases]
    open_play = row.assignment == Assignment.OPEN.value
    people = [
        _participant(session, p, cases, case_ids, open_play)
        for p in records.participants(session, exercise_id)
    ]
    still_open = exercise_reads.cases_with_open_leads(session, case_ids)
    elapsed = (now - as_utc(row.started_at)).total_seconds() / 60.0
    limit = scenario.time_limits.exercise_minutes
    return ExerciseProgress(
        exercise=records.summary(session, row),
        now=now,
        elapsed_minutes=elapsed,
        exercise_minutes=limit,
        overdue=limit is not None and elapsed > limit and row.status == "running",
        participants=tuple(people),
        injects=tuple(records.injects(session, exercise_id, scenario)),
        cases_complete=sum(c not in still_open for c in case_ids),
        case_count=len(case_ids),
    )


def _participant(
    session: Session,
    person: ExerciseParticipantRow,
    cases: list[ExerciseCaseRow],
    case_ids: list[int],
    open_play: bool,
) -> ParticipantProgress:
    assigned_ids = set(
        session.exec(
            select(ExerciseAssignmentRow.exercise_case_id).where(
                col(ExerciseAssignmentRow.participant_id) == person.id
            )
        ).all()
    )
    mine = [c for c in cases if open_play or c.id in assigned_ids]
    made, last = exercise_reads.decisions_made(session, person.reviewer_id, case_ids)
    return ParticipantProgress(
        name=person.name,
        role=Role(person.role),
        assigned_cases=tuple(c.case_key for c in mine),
        decisions_made=made,
        decisions_pending=sum(
            len(exercise_reads.pending_leads(session, c.case_id, person.name)) for c in mine
        ),
        last_decision_at=as_utc(last) if last is not None else None,
    )
