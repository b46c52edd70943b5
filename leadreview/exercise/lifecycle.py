"""What the facilitator does: start an exercise, assign cases, release injects, reveal the
ground truth and close. Each step is one transaction with its audit event naming the
facilitator; a refused step is audited as `permission.refused`."""

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from leadreview.audit.models import NewEvent
from leadreview.domain.roles import Actor, Role
from leadreview.exercise import records
from leadreview.exercise.permissions import ExerciseAction, require, require_own_name
from leadreview.exercise.records import ExerciseEvent, Status
from leadreview.exercise.scenario import Assignment
from leadreview.exercise.system_principals import clock_name
from leadreview.exercise.views import Assignment as AssignmentView
from leadreview.exercise.views import Reveal
from leadreview.exercise.world import ExerciseWorld
from leadreview.store.tables.exercise import (
    ExerciseAssignmentRow,
    ExerciseCaseRow,
    ExerciseInjectRow,
    ExerciseParticipantRow,
    ExerciseRow,
)
from leadreview.workflow import exercise_reads
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.errors import InvalidRequest, NotFound
from leadreview.workflow.policy_set import PolicySet
from leadreview.workflow.reviewers import reviewer_id
from leadreview.workflow.service import ReviewWorkflow

REVIEWING_ROLES = frozenset({Role.REVIEWER, Role.SUPERVISOR})
# The envelope's `auth` for the exercise's clock (docs/security.md).
SYSTEM_CLOCK = "system-clock"


def start(ctx: WorkflowContext, actor: Actor, world: ExerciseWorld) -> int:
    """Open every case through the workflow, then record the exercise; its id.

    The cases are opened first, each in its own transaction as the workflow does; the
    exercise, its ground truth and `exercise.started` are then written together.
    """
    exercise = world.exercise
    scenario = exercise.scenario
    require(ctx, actor, ExerciseAction.START, {"scenario": scenario.name})
    require_own_name(actor, scenario.name, exercise.sha256)
    policies = PolicySet.of(list(exercise.policies), scenario.policy_in_force)
    workflow = ReviewWorkflow(ctx=ctx, policies=policies, backend=world.backend(), gallery=world)
    case_ids = [workflow.open_case(actor, world.opening(c)).summary.case_id for c in world.cases]
    now = ctx.clock()
    with ctx.store.transaction() as session:
        row = ExerciseRow(
            scenario_name=scenario.name,
            title=scenario.title,
            scenario_sha256=exercise.sha256,
            scenario_text=exercise.data.decode("utf-8"),
            seed=scenario.world.seed,
            policy_in_force=scenario.policy_in_force,
            assignment=scenario.assignment.value,
            status=Status.RUNNING.value,
            started_by_id=reviewer_id(session, ctx.audit, actor, now),
            started_at=now,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        _add_cases(session, row.id, world, case_ids)
        for position, inject in enumerate(scenario.injects):
            session.add(
                ExerciseInjectRow(
                    exercise_id=row.id,
                    inject_key=inject.id,
                    position=position,
                    release_after_minutes=inject.after_minutes,
                )
            )
        session.flush()
        truths = [records.truth_payload(v) for v in records.truth_views(session, row.id)]
        _event(
            ctx,
            session,
            actor,
            ExerciseEvent.STARTED,
            {
                "exercise_id": row.id,
                "scenario": {"name": scenario.name, "sha256": exercise.sha256},
                "seed": scenario.world.seed,
                "gallery_size": scenario.world.gallery_size,
                "policy_in_force": {
                    "name": policies.in_force.name,
                    "sha256": policies.in_force.sha256,
                },
                "shadow_policies": [
                    {"name": p.name, "sha256": p.sha256} for p in policies.policies[1:]
                ],
                "assignment": scenario.assignment.value,
                "cases": [
                    {"case_key": c.spec.id, "case_id": i}
                    for c, i in zip(world.cases, case_ids, strict=True)
                ],
                # What releases each inject: on PostgreSQL the database reads this to
                # let a participant's command release one that is due (migration 0008).
                "injects": [records.inject_schedule(i) for i in scenario.injects],
                # Published now, opened at the reveal: the truth cannot move in between.
                "truth_sha256": records.truth_digest(truths),
            },
        )
        return row.id


def _add_cases(
    session: Session, exercise_id: int, world: ExerciseWorld, case_ids: list[int]
) -> None:
    for case, case_id in zip(world.cases, case_ids, strict=True):
        truth = case.truth
        session.add(
            ExerciseCaseRow(
                exercise_id=exercise_id,
                case_id=case_id,
                case_key=case.spec.id,
                position=case.position,
                mated=truth.mated,
                mate_face_id=truth.mate_face_id,
                mate_rank=truth.mate_rank,
                mate_similarity=truth.mate_similarity,
                top_impostor_face_id=truth.top_impostor_face_id,
                top_impostor_similarity=truth.top_impostor_similarity,
                lookalike_face_id=truth.lookalike_face_id,
                subject_group=truth.subject_group,
                subject_sex=truth.subject_sex.value,
                subject_age_band=truth.subject_age_band.value,
            )
        )


def assign(
    ctx: WorkflowContext,
    actor: Actor,
    exercise_id: int,
    *,
    case_key: str | None = None,
    participant: str | None = None,
) -> list[AssignmentView]:
    """Assign one case to one participant, or (with neither given) every case round
    robin to as many reviewing participants as the policy in force needs per case."""
    require(ctx, actor, ExerciseAction.ASSIGN, {"exercise_id": exercise_id, "case": case_key})
    if (case_key is None) != (participant is None):
        raise InvalidRequest("assign: give both a case and a participant, or neither")
    now = ctx.clock()
    with ctx.store.transaction() as session:
        row = records.get_exercise(session, exercise_id, lock=True)
        records.require_status(row, Status.RUNNING)
        people = [
            p for p in records.participants(session, exercise_id) if Role(p.role) in REVIEWING_ROLES
        ]
        cases = records.cases(session, exercise_id)
        if case_key is not None:
            wanted = _pairs_by_hand(cases, people, case_key, participant or "")
        else:
            wanted = _round_robin(session, cases, people)
        made = _insert_assignments(session, wanted, actor, now)
        _event(
            ctx,
            session,
            actor,
            ExerciseEvent.ASSIGNED,
            {
                "exercise_id": exercise_id,
                "mode": "by-hand" if case_key else Assignment.ROUND_ROBIN.value,
                "assignments": [a.model_dump() for a in made],
            },
        )
        return made


def _pairs_by_hand(
    cases: list[ExerciseCaseRow], people: list[ExerciseParticipantRow], key: str, name: str
) -> list[tuple[ExerciseCaseRow, ExerciseParticipantRow]]:
    case = next((c for c in cases if c.case_key == key), None)
    person = next((p for p in people if p.name == name), None)
    if case is None:
        raise NotFound(f"case {key!r}: not a case of this exercise")
    if person is None:
        raise NotFound(f"participant {name!r}: has not joined this exercise as a reviewer")
    return [(case, person)]


def _round_robin(
    session: Session, cases: list[ExerciseCaseRow], people: list[ExerciseParticipantRow]
) -> list[tuple[ExerciseCaseRow, ExerciseParticipantRow]]:
    if not people:
        raise InvalidRequest("assign: nobody has joined as a reviewer or supervisor yet")
    pairs = []
    turn = 0
    for case in cases:
        needed = min(len(people), exercise_reads.reviewers_required(session, case.case_id))
        for _ in range(needed):
            pairs.append((case, people[turn % len(people)]))
            turn += 1
    return pairs


def _insert_assignments(
    session: Session,
    pairs: list[tuple[ExerciseCaseRow, ExerciseParticipantRow]],
    actor: Actor,
    now: datetime,
) -> list[AssignmentView]:
    case_ids = sorted({case.id for case, _ in pairs if case.id is not None})
    existing = {
        (a.exercise_case_id, a.participant_id)
        for a in session.exec(
            select(ExerciseAssignmentRow).where(
                col(ExerciseAssignmentRow.exercise_case_id).in_(case_ids)
            )
        ).all()
    }
    made = []
    for case, person in pairs:
        assert case.id is not None and person.id is not None
        if (case.id, person.id) in existing:
            continue
        existing.add((case.id, person.id))
        session.add(
            ExerciseAssignmentRow(
                exercise_case_id=case.id,
                participant_id=person.id,
                assigned_by=actor.name,
                assigned_at=now,
            )
        )
        made.append(
            AssignmentView(case_key=case.case_key, case_id=case.case_id, participant=person.name)
        )
    return made


def release_inject(
    ctx: WorkflowContext,
    actor: Actor,
    exercise_id: int,
    inject_key: str,
    trigger: str = "manual",
    auth: str | None = None,
) -> bool:
    """Release an inject; False if it was already out (released once, never twice)."""
    require(ctx, actor, ExerciseAction.INJECT, {"exercise_id": exercise_id, "inject": inject_key})
    now = ctx.clock()
    with ctx.store.transaction() as session:
        row = records.get_exercise(session, exercise_id)
        records.require_status(row, Status.RUNNING)
        spec = records.stored_scenario(row).inject(inject_key)
        if spec is None:
            raise NotFound(f"inject {inject_key!r}: not an inject of this exercise")
        result = session.execute(
            update(ExerciseInjectRow)
            .where(
                col(ExerciseInjectRow.exercise_id) == exercise_id,
                col(ExerciseInjectRow.inject_key) == inject_key,
                col(ExerciseInjectRow.released_at).is_(None),
            )
            .values(released_at=now, released_by=actor.name)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False
        _event(
            ctx,
            session,
            actor,
            ExerciseEvent.INJECT_RELEASED,
            auth=auth,
            payload={
                "exercise_id": exercise_id,
                "inject_key": inject_key,
                "trigger": trigger,
                "kind": spec.kind.value,
                "title": spec.title,
                "text": spec.text,
                "sender": spec.sender,
                "cases": list(spec.cases),
            },
        )
        return True


def release_due(ctx: WorkflowContext, exercise_id: int) -> list[str]:
    """Release every scheduled inject whose time has come, and every conditional one
    whose condition holds; the keys released now.

    The exercise's clock releases them (`system-clock`), whoever's command noticed that
    they were due: a participant refreshing their board releases nothing in their name."""
    releaser = Actor(name=clock_name(exercise_id), role=Role.FACILITATOR)
    from leadreview.exercise.conditions import conditions_met
    from leadreview.exercise.pausing import clock_of

    now = ctx.clock()
    with ctx.store.reading() as session:
        row = records.get_exercise(session, exercise_id)
        clock = clock_of(session, exercise_id)
        # Paused, nothing comes out: no time passes in play and nobody may act on it.
        if row.status != Status.RUNNING.value or clock.paused:
            return []
        played = clock.elapsed(now)
        due = [
            i.inject_key
            for i in session.exec(
                select(ExerciseInjectRow)
                .where(
                    col(ExerciseInjectRow.exercise_id) == exercise_id,
                    col(ExerciseInjectRow.released_at).is_(None),
                    col(ExerciseInjectRow.release_after_minutes).is_not(None),
                )
                .order_by(col(ExerciseInjectRow.position))
            ).all()
            if timedelta(minutes=i.release_after_minutes or 0.0) <= played
        ]
        chained = conditions_met(session, exercise_id, records.stored_scenario(row))
    released = [
        k
        for k in due
        if release_inject(ctx, releaser, exercise_id, k, trigger="schedule", auth=SYSTEM_CLOCK)
    ]
    for key, trigger in chained:
        condition = f"condition {trigger}"
        if release_inject(ctx, releaser, exercise_id, key, trigger=condition, auth=SYSTEM_CLOCK):
            released.append(key)
    return released


def reveal(ctx: WorkflowContext, actor: Actor, exercise_id: int) -> Reveal:
    require(ctx, actor, ExerciseAction.REVEAL, {"exercise_id": exercise_id})
    now = ctx.clock()
    with ctx.store.transaction() as session:
        row = records.get_exercise(session, exercise_id, lock=True)
        # A closed exercise can still be revealed (once): closing never publishes truth.
        records.require_status(row, Status.RUNNING, Status.REVEALED, Status.CLOSED)
        truths = records.truth_views(session, exercise_id)
        digest = records.truth_digest([records.truth_payload(v) for v in truths])
        if row.revealed_at is None:
            if row.status == Status.RUNNING.value:
                row.status = Status.REVEALED.value
            row.revealed_at = now
            session.add(row)
            _event(
                ctx,
                session,
                actor,
                ExerciseEvent.REVEALED,
                {
                    "exercise_id": exercise_id,
                    "truth_sha256": digest,
                    "cases": [records.truth_payload(v) for v in truths],
                },
            )
        return Reveal(exercise_id=exercise_id, truth_sha256=digest, cases=tuple(truths))


def close(ctx: WorkflowContext, actor: Actor, exercise_id: int) -> None:
    require(ctx, actor, ExerciseAction.CLOSE, {"exercise_id": exercise_id})
    now = ctx.clock()
    with ctx.store.transaction() as session:
        row = records.get_exercise(session, exercise_id, lock=True)
        records.require_status(row, Status.RUNNING, Status.REVEALED)
        revealed = row.status == Status.REVEALED.value
        row.status = Status.CLOSED.value
        row.closed_at = now
        session.add(row)
        _event(
            ctx,
            session,
            actor,
            ExerciseEvent.CLOSED,
            {
                "exercise_id": exercise_id,
                "revealed_before_closing": revealed,
                "participants": len(records.participants(session, exercise_id)),
            },
        )


def _event(
    ctx: WorkflowContext,
    session: Session,
    actor: Actor,
    event: ExerciseEvent,
    payload: dict[str, object],
    auth: str | None = None,
) -> None:
    """`auth`: how the actor was authenticated when it is not the process's own way
    (the exercise's clock)."""
    new = NewEvent(actor.name, actor.role.value, event.value, dict(payload), auth=auth)
    ctx.audit.append_many(session, [new])
