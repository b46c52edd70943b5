"""The exercise clock: pause, resume and extend.

The state lives only in the audit log (`exercise.paused`, `exercise.resumed`,
`exercise.extended`), so no table or migration carries it and the log stays its one
source. Each event carries the moment it took effect (`at`, from the service's clock), so
the clock can be rebuilt exactly: elapsed time is the time since the start less every
paused interval, and timed injects come due on that clock, not the wall's.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import JsonValue
from sqlmodel import Session

from leadreview.domain.roles import Actor, Role
from leadreview.exercise import records
from leadreview.exercise.permissions import ExerciseAction, require
from leadreview.exercise.records import ExerciseEvent, Status
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.errors import InvalidRequest
from leadreview.workflow.permissions import refuse
from leadreview.workflow.sql import as_utc

# An extension is a facilitator's correction, not a second exercise.
MAX_EXTENSION_MINUTES = 24 * 60.0


@dataclass(frozen=True)
class ExerciseClock:
    started_at: datetime
    paused_since: datetime | None  # None while the clock runs
    paused_before: timedelta  # total of the paused intervals already ended
    extended_minutes: float
    # Every pause as (from, until); until is None for the one still running.
    pauses: tuple[tuple[datetime, datetime | None], ...] = ()

    @property
    def paused(self) -> bool:
        return self.paused_since is not None

    def elapsed(self, now: datetime) -> timedelta:
        """Play time: since the start, less every pause (a running one up to now)."""
        stopped = self.paused_before
        if self.paused_since is not None:
            stopped += max(now - self.paused_since, timedelta(0))
        return max(now - self.started_at - stopped, timedelta(0))

    def elapsed_minutes(self, now: datetime) -> float:
        return self.elapsed(now).total_seconds() / 60.0

    def play_seconds(self, since: datetime, until: datetime) -> float:
        """Seconds of play between two moments: the wall time less every pause that
        overlaps it. A decision's time must not count the minutes nobody could decide."""
        return play_seconds(since, until, self.pauses)


def play_seconds(
    since: datetime, until: datetime, pauses: Sequence[tuple[datetime, datetime | None]]
) -> float:
    total = max(until - since, timedelta(0))
    for paused_from, paused_until in pauses:
        end = until if paused_until is None else min(paused_until, until)
        total -= max(end - max(paused_from, since), timedelta(0))
    return max(total, timedelta(0)).total_seconds()


def _events(session: Session, exercise_id: int) -> list[tuple[str, dict[str, JsonValue]]]:
    from leadreview.workflow.audit_queries import events_of_type

    kinds = (ExerciseEvent.PAUSED, ExerciseEvent.RESUMED, ExerciseEvent.EXTENDED)
    # Only a facilitator moves the clock: on PostgreSQL a login can store a raw event of
    # these types in its own role, and the database's release check (migration 0008)
    # likewise counts the facilitator's alone.
    found = [
        (e.seq, e.event_type, e.payload)
        for kind in kinds
        for e in events_of_type(session, kind.value)
        if e.payload.get("exercise_id") == exercise_id and e.role == Role.FACILITATOR.value
    ]
    return [(kind, payload) for _, kind, payload in sorted(found, key=lambda f: f[0])]


def clock_of(session: Session, exercise_id: int) -> ExerciseClock:
    row = records.get_exercise(session, exercise_id)
    paused_since: datetime | None = None
    paused_before = timedelta(0)
    extended = 0.0
    pauses: list[tuple[datetime, datetime | None]] = []
    for kind, payload in _events(session, exercise_id):
        if kind == ExerciseEvent.EXTENDED.value:
            extended += float(str(payload["minutes"]))
            continue
        at = as_utc(datetime.fromisoformat(str(payload["at"])))
        if kind == ExerciseEvent.PAUSED.value and paused_since is None:
            paused_since = at
        elif kind == ExerciseEvent.RESUMED.value and paused_since is not None:
            paused_before += max(at - paused_since, timedelta(0))
            pauses.append((paused_since, at))
            paused_since = None
    if paused_since is not None:
        pauses.append((paused_since, None))
    return ExerciseClock(
        started_at=as_utc(row.started_at),
        paused_since=paused_since,
        paused_before=paused_before,
        extended_minutes=extended,
        pauses=tuple(pauses),
    )


def pause(ctx: WorkflowContext, actor: Actor, exercise_id: int) -> None:
    """Stop the exercise clock: timed injects wait, participants' decisions are refused."""
    _set_paused(ctx, actor, exercise_id, ExerciseAction.PAUSE, paused=True)


def resume(ctx: WorkflowContext, actor: Actor, exercise_id: int) -> None:
    _set_paused(ctx, actor, exercise_id, ExerciseAction.RESUME, paused=False)


def _set_paused(
    ctx: WorkflowContext, actor: Actor, exercise_id: int, action: ExerciseAction, *, paused: bool
) -> None:
    subject = {"exercise_id": exercise_id}
    require(ctx, actor, action, subject)
    now = ctx.clock()
    refusal: str | None = None
    with ctx.store.transaction() as session:
        row = records.get_exercise(session, exercise_id, lock=True)
        clock = clock_of(session, exercise_id)
        if row.status != Status.RUNNING.value:
            refusal = f"exercise {exercise_id} is {row.status}, not running"
        elif clock.paused == paused:
            refusal = f"exercise {exercise_id} is already {'paused' if paused else 'running'}"
        else:
            event = ExerciseEvent.PAUSED if paused else ExerciseEvent.RESUMED
            payload: dict[str, object] = {
                "exercise_id": exercise_id,
                "at": now.isoformat(),
                "elapsed_minutes": round(clock.elapsed_minutes(now), 3),
            }
            if not paused and clock.paused_since is not None:
                payload["paused_minutes"] = round(
                    (now - clock.paused_since).total_seconds() / 60.0, 3
                )
            ctx.audit.append(
                session,
                actor=actor.name,
                role=actor.role.value,
                event_type=event.value,
                payload=payload,
            )
    if refusal is not None:
        # A facilitator's mistaken step is on record like anyone's (P10).
        refuse(ctx, actor, action.value, subject, refusal)


def extend(ctx: WorkflowContext, actor: Actor, exercise_id: int, minutes: float) -> float | None:
    """Add minutes to the exercise's time limit; the limit now (None: it has none)."""
    subject = {"exercise_id": exercise_id, "minutes": minutes}
    require(ctx, actor, ExerciseAction.EXTEND, subject)
    if not 0 < minutes <= MAX_EXTENSION_MINUTES:
        raise InvalidRequest(
            f"--minutes {minutes:g}: give more than 0 and at most {MAX_EXTENSION_MINUTES:g}"
        )
    now = ctx.clock()
    refusal: str | None = None
    limit: float | None = None
    with ctx.store.transaction() as session:
        row = records.get_exercise(session, exercise_id, lock=True)
        if row.status != Status.RUNNING.value:
            refusal = f"exercise {exercise_id} is {row.status}, not running"
        else:
            base = records.stored_scenario(row).time_limits.exercise_minutes
            extended = clock_of(session, exercise_id).extended_minutes + minutes
            limit = None if base is None else base + extended
            ctx.audit.append(
                session,
                actor=actor.name,
                role=actor.role.value,
                event_type=ExerciseEvent.EXTENDED.value,
                payload={
                    "exercise_id": exercise_id,
                    "at": now.isoformat(),
                    "minutes": minutes,
                    "exercise_minutes": limit,
                },
            )
    if refusal is not None:
        refuse(ctx, actor, ExerciseAction.EXTEND.value, subject, refusal)
    return limit
