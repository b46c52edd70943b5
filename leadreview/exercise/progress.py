"""Live progress for the facilitator console: per participant, decisions made and still
pending; per inject, whether it is out; the clock against the time limit."""

import statistics
from datetime import datetime

from sqlmodel import Session, col, select

from leadreview.domain.roles import Role
from leadreview.exercise import records
from leadreview.exercise.pausing import ExerciseClock, clock_of
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
    clock = clock_of(session, exercise_id)
    open_play = row.assignment == Assignment.OPEN.value
    people = [
        _participant(session, p, cases, case_ids, open_play, clock)
        for p in records.participants(session, exercise_id)
    ]
    still_open = exercise_reads.cases_with_open_leads(session, case_ids)
    elapsed = clock.elapsed_minutes(now)
    limit = scenario.time_limits.exercise_minutes
    if limit is not None:
        limit += clock.extended_minutes
    return ExerciseProgress(
        exercise=records.summary(session, row),
        now=now,
        elapsed_minutes=elapsed,
        exercise_minutes=limit,
        overdue=limit is not None and elapsed > limit and row.status == "running",
        paused=clock.paused and row.status == "running",
        extended_minutes=clock.extended_minutes,
        participants=tuple(people),
        injects=tuple(records.injects(session, exercise_id, scenario)),
        cases_complete=sum(c not in still_open for c in case_ids),
        case_count=len(case_ids),
        case_keys=tuple(c.case_key for c in cases),
    )


def _participant(
    session: Session,
    person: ExerciseParticipantRow,
    cases: list[ExerciseCaseRow],
    case_ids: list[int],
    open_play: bool,
    clock: ExerciseClock,
) -> ParticipantProgress:
    assigned_at = {
        case_id: as_utc(at)
        for case_id, at in session.exec(
            select(ExerciseAssignmentRow.exercise_case_id, ExerciseAssignmentRow.assigned_at).where(
                col(ExerciseAssignmentRow.participant_id) == person.id
            )
        ).all()
    }
    assigned_ids = set(assigned_at)
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
        median_seconds_per_decision=_median_seconds(session, person, cases, assigned_at, clock),
    )


def _median_seconds(
    session: Session,
    person: ExerciseParticipantRow,
    cases: list[ExerciseCaseRow],
    assigned_at: dict[int, datetime],
    clock: ExerciseClock,
) -> float | None:
    """Each decision timed from the latest of the start, the case's assignment to this
    person and their previous decision, paused time left out: the debrief's
    `seconds_taken`, for the board."""
    started = clock.started_at
    assignment_of = {c.case_id: assigned_at.get(c.id or 0, started) for c in cases}
    decided = exercise_reads.decision_times(session, person.reviewer_id, list(assignment_of))
    seconds = []
    previous = started
    for case_id, at in decided:
        when = as_utc(at)
        since = max(started, assignment_of.get(case_id, started), previous)
        seconds.append(clock.play_seconds(since, when))
        previous = when
    return statistics.median(seconds) if seconds else None
