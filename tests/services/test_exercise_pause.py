"""Pause, resume and extend: the exercise clock stops while paused (timed injects wait,
elapsed time leaves the pause out), participants' decisions are refused as one line and
the refusal is an event, and only the facilitator moves the clock; the board's median
time per decision counts from the assignment. SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from leadreview.audit.log import AuditLog
from leadreview.audit.service import verify_store
from leadreview.domain.decision import DecisionKind
from leadreview.domain.roles import Actor, Role
from leadreview.errors import PermissionRefused
from leadreview.exercise.loading import load_exercise
from leadreview.exercise.service import ExerciseService
from leadreview.exercise.system_principals import clock_name
from leadreview.exercise.world import build_exercise_world
from leadreview.store.store import Store
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.errors import InvalidRequest
from tests.support.exercise import FACILITATOR, events, table_rows, write_scenario

ANA = Actor(name="ana", role=Role.REVIEWER)
T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


class Clock:
    """The service's clock, moved by the test: minutes after T0."""

    def __init__(self) -> None:
        self.now = T0

    def at(self, minutes: float) -> None:
        self.now = T0 + timedelta(minutes=minutes)

    def __call__(self) -> datetime:
        return self.now


def _started(store: Store, folder: Path) -> tuple[ExerciseService, Clock, int]:
    path = write_scenario(folder, cases=2)
    # The pressure inject comes due ten minutes into play, not at once.
    path.write_text(path.read_text().replace("{after_minutes: 0}", "{after_minutes: 10}"))
    clock = Clock()
    svc = ExerciseService(WorkflowContext(store=store, audit=AuditLog(), clock=clock))
    exercise_id = svc.start(FACILITATOR, build_exercise_world(load_exercise(path))).exercise_id
    svc.join(ANA, exercise_id)
    svc.assign(FACILITATOR, exercise_id)
    return svc, clock, exercise_id


def _released(store: Store) -> list[str]:
    return [e.payload["inject_key"] for e in events(store, "exercise.inject_released")]


def test_a_pause_stops_the_clock_for_timed_injects(store: Store, tmp_path: Path) -> None:
    svc, clock, exercise_id = _started(store, tmp_path / "s")
    clock.at(5)
    svc.pause(FACILITATOR, exercise_id)
    clock.at(20)  # wall time is past the inject's ten minutes; play time is not
    assert svc.release_due(exercise_id) == []
    progress = svc.progress(FACILITATOR, exercise_id)
    assert progress.paused and progress.elapsed_minutes == pytest.approx(5.0)
    assert _released(store) == []

    svc.resume(FACILITATOR, exercise_id)
    clock.at(24.9)  # 9.9 minutes of play
    assert svc.release_due(exercise_id) == []
    clock.at(25.1)
    assert svc.release_due(exercise_id) == ["pressure"]
    [row] = table_rows(store, "exercise_inject", inject_key="pressure")
    assert row["released_by"] == clock_name(exercise_id)  # the clock, not a person

    [paused] = events(store, "exercise.paused")
    [resumed] = events(store, "exercise.resumed")
    assert (paused.actor, paused.role) == ("fran", "facilitator")
    assert paused.payload["exercise_id"] == exercise_id
    assert paused.payload["elapsed_minutes"] == pytest.approx(5.0)
    assert resumed.payload["paused_minutes"] == pytest.approx(15.0)
    progress = svc.progress(FACILITATOR, exercise_id)
    assert not progress.paused and progress.elapsed_minutes == pytest.approx(10.1)
    assert verify_store(store).ok


def test_decisions_are_refused_while_paused_and_the_refusal_is_on_record(
    store: Store, tmp_path: Path
) -> None:
    svc, clock, exercise_id = _started(store, tmp_path / "s")
    [first, second] = svc.board(ANA, exercise_id).cases[0].pending_leads[:2]
    clock.at(1)
    svc.pause(FACILITATOR, exercise_id)
    with pytest.raises(PermissionRefused) as refused:
        svc.decide(ANA, exercise_id, first, DecisionKind.NOT_A_MATCH, "the ears do not match")
    assert "the exercise is paused" in str(refused.value)
    assert "\n" not in str(refused.value)
    [refusal] = events(store, "permission.refused")
    assert (refusal.actor, refusal.role) == ("ana", "reviewer")
    assert refusal.payload["action"] == "exercise-decide"
    assert refusal.payload["subject"] == {"exercise_id": exercise_id, "lead_id": first}
    assert "the exercise is paused" in refusal.payload["reason"]
    assert table_rows(store, "decision") == []

    clock.at(2)
    svc.resume(FACILITATOR, exercise_id)
    lead = svc.decide(ANA, exercise_id, first, DecisionKind.NOT_A_MATCH, "the ears do not match")
    assert lead.lead_id == first
    [decision] = table_rows(store, "decision")
    assert decision["lead_id"] == first
    # The refused lead can still be decided; the other one too.
    svc.decide(ANA, exercise_id, second, DecisionKind.NOT_A_MATCH, "a different nose bridge")
    assert len(table_rows(store, "decision")) == 2


def test_only_the_facilitator_moves_the_clock_and_mistakes_are_audited(
    store: Store, tmp_path: Path
) -> None:
    svc, _clock, exercise_id = _started(store, tmp_path / "s")
    for attempt in (
        lambda: svc.pause(ANA, exercise_id),
        lambda: svc.resume(ANA, exercise_id),
        lambda: svc.extend(ANA, exercise_id, 5),
        lambda: svc.resume(FACILITATOR, exercise_id),  # not paused
    ):
        with pytest.raises(PermissionRefused):
            attempt()
    svc.pause(FACILITATOR, exercise_id)
    with pytest.raises(PermissionRefused, match="already paused"):
        svc.pause(FACILITATOR, exercise_id)
    refusals = [(e.actor, e.payload["action"]) for e in events(store, "permission.refused")]
    assert refusals == [
        ("ana", "exercise-pause"),
        ("ana", "exercise-resume"),
        ("ana", "exercise-extend"),
        ("fran", "exercise-resume"),
        ("fran", "exercise-pause"),
    ]
    assert len(events(store, "exercise.paused")) == 1
    assert events(store, "exercise.resumed") == []

    svc.resume(FACILITATOR, exercise_id)
    svc.reveal(FACILITATOR, exercise_id)
    with pytest.raises(PermissionRefused, match="revealed, not running"):
        svc.pause(FACILITATOR, exercise_id)
    assert len(events(store, "exercise.paused")) == 1


def test_extend_adds_minutes_to_the_limit(store: Store, tmp_path: Path) -> None:
    svc, clock, exercise_id = _started(store, tmp_path / "s")
    clock.at(35)
    assert svc.progress(FACILITATOR, exercise_id).overdue  # the scenario gives 30 minutes
    assert svc.extend(FACILITATOR, exercise_id, 10) == 40
    assert svc.extend(FACILITATOR, exercise_id, 2.5) == 42.5
    progress = svc.progress(FACILITATOR, exercise_id)
    assert progress.exercise_minutes == 42.5 and progress.extended_minutes == 12.5
    assert not progress.overdue
    extended = events(store, "exercise.extended")
    assert [(e.actor, e.payload["minutes"]) for e in extended] == [("fran", 10), ("fran", 2.5)]
    assert extended[-1].payload["exercise_minutes"] == 42.5
    for bad in (0.0, -5.0, 100_000.0):
        with pytest.raises(InvalidRequest, match="--minutes"):
            svc.extend(FACILITATOR, exercise_id, bad)
    assert len(events(store, "exercise.extended")) == 2


def test_the_board_gives_the_median_time_per_decision(store: Store, tmp_path: Path) -> None:
    svc, clock, exercise_id = _started(store, tmp_path / "s")
    cases = svc.board(ANA, exercise_id).cases
    leads = [lead for case in cases for lead in case.pending_leads[:1]]
    assert (
        svc.progress(FACILITATOR, exercise_id).participants[0].median_seconds_per_decision is None
    )
    # Assigned at T0: decisions at 30 s, 90 s and 300 s take 30, 60 and 210 seconds.
    for seconds, lead in zip((30, 90), leads, strict=True):
        clock.now = T0 + timedelta(seconds=seconds)
        svc.decide(ANA, exercise_id, lead, DecisionKind.NOT_A_MATCH, "different ear shape")
    third = svc.board(ANA, exercise_id).cases[0].pending_leads[0]
    clock.now = T0 + timedelta(seconds=300)
    svc.decide(ANA, exercise_id, third, DecisionKind.NOT_A_MATCH, "different ear shape")
    [ana] = svc.progress(FACILITATOR, exercise_id).participants
    assert ana.decisions_made == 3
    assert ana.median_seconds_per_decision == pytest.approx(60.0)


def test_paused_minutes_are_nobodys_decision_time(store: Store, tmp_path: Path) -> None:
    """A decision that spans a pause is timed on play time, on the board and in the
    debrief (and so in the after-action report built from it)."""
    svc, clock, exercise_id = _started(store, tmp_path / "s")
    [first, second] = svc.board(ANA, exercise_id).cases[0].pending_leads[:2]
    clock.now = T0 + timedelta(seconds=30)
    svc.decide(ANA, exercise_id, first, DecisionKind.NOT_A_MATCH, "different ear shape")
    clock.now = T0 + timedelta(seconds=60)
    svc.pause(FACILITATOR, exercise_id)
    clock.now = T0 + timedelta(seconds=660)  # ten minutes nobody could decide
    svc.resume(FACILITATOR, exercise_id)
    clock.now = T0 + timedelta(seconds=720)
    svc.decide(ANA, exercise_id, second, DecisionKind.NOT_A_MATCH, "different ear shape")
    # 30 s, then 690 s of wall time of which 600 were paused: 90 s.
    [ana] = svc.progress(FACILITATOR, exercise_id).participants
    assert ana.median_seconds_per_decision == pytest.approx(60.0)
    svc.reveal(FACILITATOR, exercise_id)
    debrief = svc.debrief(FACILITATOR, exercise_id)
    taken = sorted(d.seconds_taken or 0.0 for d in debrief.decisions if d.participant == "ana")
    assert taken == pytest.approx([30.0, 90.0])
    [score] = [s for s in debrief.participants if s.name == "ana"]
    assert score.median_seconds == pytest.approx(60.0)
