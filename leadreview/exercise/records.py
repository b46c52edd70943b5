"""Reading an exercise's rows: the exercise, its scenario as stored, its cases, injects and
participants. Shared by the service, the progress view and the debrief; nothing writes."""

import hashlib
import json
from enum import StrEnum
from pathlib import Path

from sqlmodel import Session, col, select

from leadreview.domain.roles import Role
from leadreview.exercise.scenario import ExerciseScenario, InjectSpec
from leadreview.exercise.views import CaseTruthView, ExerciseSummary, InjectView, ParticipantView
from leadreview.io.yamlfile import parse_model
from leadreview.store.tables.exercise import (
    ExerciseCaseRow,
    ExerciseInjectRow,
    ExerciseParticipantRow,
    ExerciseRow,
)
from leadreview.workflow import exercise_reads
from leadreview.workflow.errors import InvalidRequest, NotFound
from leadreview.workflow.sql import as_utc


class ExerciseEvent(StrEnum):
    STARTED = "exercise.started"
    JOINED = "exercise.joined"
    ASSIGNED = "exercise.assigned"
    INJECT_RELEASED = "exercise.inject_released"
    # The clock's state is kept only as these events (exercise/pausing.py).
    PAUSED = "exercise.paused"
    RESUMED = "exercise.resumed"
    EXTENDED = "exercise.extended"
    REVEALED = "exercise.revealed"
    CLOSED = "exercise.closed"
    # The after-action record: kept only as events, so the log is its one source.
    EXPECTATION_VALIDATED = "exercise.expectation_validated"
    HOTWASH_ANSWERED = "exercise.hotwash_answered"
    IMPROVEMENT_PLANNED = "exercise.improvement_planned"
    # Join codes for a served room: issued, used to sign in, revoked, or tried and refused.
    INVITE_ISSUED = "exercise.invite_issued"
    INVITE_USED = "exercise.invite_used"
    INVITE_REVOKED = "exercise.invite_revoked"
    INVITE_REFUSED = "exercise.invite_refused"


class Status(StrEnum):
    RUNNING = "running"
    REVEALED = "revealed"
    CLOSED = "closed"


def get_exercise(session: Session, exercise_id: int, *, lock: bool = False) -> ExerciseRow:
    query = select(ExerciseRow).where(col(ExerciseRow.id) == exercise_id)
    if lock:
        # Serialises joins and state changes of one exercise on PostgreSQL; SQLite's
        # BEGIN IMMEDIATE already serialises every writer.
        query = query.with_for_update()
    row = session.exec(query).first()
    if row is None:
        raise NotFound(f"exercise {exercise_id}: no such exercise")
    return row


def current_exercise_id(session: Session) -> int:
    """The newest exercise not yet closed."""
    found = session.exec(
        select(ExerciseRow.id)
        .where(col(ExerciseRow.status) != Status.CLOSED.value)
        .order_by(col(ExerciseRow.id).desc())
    ).first()
    if found is None:
        raise NotFound("no exercise is running (start one with `leadreview exercise start`)")
    return found


def require_status(row: ExerciseRow, *allowed: Status) -> None:
    if row.status not in {s.value for s in allowed}:
        wanted = " or ".join(s.value for s in allowed)
        raise InvalidRequest(f"exercise {row.id} is {row.status}, not {wanted}")


def require_revealed(session: Session, row: ExerciseRow) -> None:
    """Ground truth leaves the database only after an `exercise.revealed` event: the
    row's status alone is not enough (closing without a reveal, or a status edited
    behind the application's back, must not open the truth)."""
    from leadreview.audit.log import AuditLog

    revealed = any(
        event.payload.get("exercise_id") == row.id
        for event in AuditLog.events(session, event_type=ExerciseEvent.REVEALED.value)
    )
    if row.revealed_at is None or not revealed:
        raise InvalidRequest(
            f"exercise {row.id}: the ground truth is sealed until the facilitator reveals it "
            f"(leadreview exercise reveal); no exercise.revealed event is on record"
        )


def stored_scenario(row: ExerciseRow) -> ExerciseScenario:
    """The scenario the exercise ran, from the bytes stored when it started."""
    return parse_model(
        row.scenario_text.encode("utf-8"),
        Path(f"exercise-{row.id}/{row.scenario_name}.yaml"),
        ExerciseScenario,
        "exercise scenario",
    )


def summary(session: Session, row: ExerciseRow) -> ExerciseSummary:
    assert row.id is not None
    starter = exercise_reads.reviewer_name(session, row.started_by_id)
    return ExerciseSummary(
        exercise_id=row.id,
        scenario_name=row.scenario_name,
        title=row.title,
        status=row.status,
        seed=row.seed,
        policy_in_force=row.policy_in_force,
        assignment=row.assignment,
        started_by=starter or "?",
        started_at=as_utc(row.started_at),
        case_ids=tuple(c.case_id for c in cases(session, row.id)),
    )


def cases(session: Session, exercise_id: int) -> list[ExerciseCaseRow]:
    return list(
        session.exec(
            select(ExerciseCaseRow)
            .where(col(ExerciseCaseRow.exercise_id) == exercise_id)
            .order_by(col(ExerciseCaseRow.position))
        ).all()
    )


def participants(session: Session, exercise_id: int) -> list[ExerciseParticipantRow]:
    return list(
        session.exec(
            select(ExerciseParticipantRow)
            .where(col(ExerciseParticipantRow.exercise_id) == exercise_id)
            .order_by(col(ExerciseParticipantRow.id))
        ).all()
    )


def participant_view(row: ExerciseParticipantRow) -> ParticipantView:
    assert row.id is not None
    return ParticipantView(
        participant_id=row.id,
        exercise_id=row.exercise_id,
        name=row.name,
        role=Role(row.role),
        joined_at=as_utc(row.joined_at),
    )


def injects(
    session: Session, exercise_id: int, scenario: ExerciseScenario, *, released_only: bool = False
) -> list[InjectView]:
    rows = session.exec(
        select(ExerciseInjectRow)
        .where(col(ExerciseInjectRow.exercise_id) == exercise_id)
        .order_by(col(ExerciseInjectRow.position))
    ).all()
    views = []
    for row in rows:
        spec = scenario.inject(row.inject_key)
        if spec is None or (released_only and row.released_at is None):
            continue
        views.append(
            InjectView(
                inject_key=row.inject_key,
                kind=spec.kind.value,
                title=spec.title,
                text=spec.text,
                sender=spec.sender,
                cases=tuple(spec.cases),
                release_after_minutes=row.release_after_minutes,
                condition=(
                    f"{spec.condition.when.value}:{spec.condition.case}" if spec.condition else None
                ),
                released_at=as_utc(row.released_at) if row.released_at else None,
                released_by=row.released_by,
            )
        )
    return views


def truth_views(session: Session, exercise_id: int) -> list[CaseTruthView]:
    views = []
    for row in cases(session, exercise_id):
        offense = exercise_reads.case_offense(session, row.case_id)
        views.append(
            CaseTruthView(
                case_key=row.case_key,
                case_id=row.case_id,
                offense=offense or "?",
                mated=row.mated,
                mate_face_id=row.mate_face_id,
                mate_rank=row.mate_rank,
                mate_similarity=row.mate_similarity,
                top_impostor_face_id=row.top_impostor_face_id,
                top_impostor_similarity=row.top_impostor_similarity,
                lookalike_face_id=row.lookalike_face_id,
                subject_group=row.subject_group,
                subject_sex=row.subject_sex,
                subject_age_band=row.subject_age_band,
            )
        )
    return views


def truth_digest(truths: list[dict[str, object]]) -> str:
    """A commitment to the ground truth: published at start, opened at the reveal."""
    text = json.dumps(truths, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def truth_payload(view: CaseTruthView) -> dict[str, object]:
    return view.model_dump(mode="json", exclude={"offense"})


def inject_schedule(inject: InjectSpec) -> dict[str, object]:
    """What releases an inject, as `exercise.started` records it."""
    schedule: dict[str, object] = {
        "inject_key": inject.id,
        "release_after_minutes": inject.after_minutes,
    }
    if inject.condition is not None:
        schedule["release_when"] = {
            "when": inject.condition.when.value,
            "case": inject.condition.case,
        }
    return schedule
