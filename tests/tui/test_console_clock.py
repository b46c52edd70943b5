"""The facilitator's console, on the real services (SQLite and PostgreSQL): assign one
case by hand from a modal, pause (a participant's decision is then refused and on
record), extend and resume the clock; the board shows the median time per decision.
The screens AND the rows and events are checked."""

import asyncio
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import col, select
from textual.pilot import Pilot
from textual.widgets import OptionList

from leadreview.audit.log import AuditLog
from leadreview.audit.models import AuditEvent
from leadreview.domain.decision import DecisionKind
from leadreview.domain.roles import Actor, Role
from leadreview.errors import PermissionRefused
from leadreview.exercise.service import ExerciseService
from leadreview.settings import load_settings
from leadreview.store.tables.exercise import (
    ExerciseAssignmentRow,
    ExerciseCaseRow,
    ExerciseParticipantRow,
)
from leadreview.store.tables.workflow import LeadRow
from leadreview.tui.app import LeadReviewApp
from leadreview.tui.factory import Session, open_session
from leadreview.tui.screens.assign_pick import AssignPickScreen
from leadreview.tui.screens.console import ConsoleScreen
from leadreview.tui.widgets.nav_table import NavTable
from leadreview.workflow.sql import as_utc
from tests.tui.conftest import FAY, SIZE, make_app, settle, sync

PAT = Actor(name="pat", role=Role.REVIEWER)
PAUSE_SECONDS = 3.0
RAE = Actor(name="rae", role=Role.REVIEWER)


def _events(real: Session, event_type: str) -> list[AuditEvent]:
    with real.store.reading() as session:
        return AuditLog.events(session, event_type=event_type, limit=100_000)


def _text(app: LeadReviewApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def _assigned(fac: Session, name: str) -> set[str]:
    with fac.store.reading() as session:
        return set(
            session.exec(
                select(ExerciseCaseRow.case_key)
                .join(
                    ExerciseAssignmentRow,
                    col(ExerciseAssignmentRow.exercise_case_id) == col(ExerciseCaseRow.id),
                )
                .join(
                    ExerciseParticipantRow,
                    col(ExerciseParticipantRow.id) == col(ExerciseAssignmentRow.participant_id),
                )
                .where(col(ExerciseParticipantRow.name) == name)
            ).all()
        )


def _case_with_leads(fac: Session, exercise_id: int) -> str:
    """A case of the exercise with a lead to decide (some scenarios have none)."""
    with fac.store.reading() as session:
        return (
            session.exec(
                select(ExerciseCaseRow.case_key)
                .join(LeadRow, col(LeadRow.case_id) == col(ExerciseCaseRow.case_id))
                .where(col(ExerciseCaseRow.exercise_id) == exercise_id)
                .order_by(col(ExerciseCaseRow.position))
            ).first()
            or ""
        )


def _options(options: OptionList) -> list[str | None]:
    return [options.get_option_at_index(i).id for i in range(options.option_count)]


async def _assign_by_hand(app: LeadReviewApp, pilot: Pilot[None], fac: Session, key: str) -> None:
    """`m`, then the case and rae in the modal, Enter: one assignment on record."""
    console = app.screen
    await pilot.press("m")
    await settle(app, pilot)
    modal = app.screen
    assert isinstance(modal, AssignPickScreen)
    cases = modal.query_one("#assign-cases", OptionList)
    people = modal.query_one("#assign-people", OptionList)
    assert key in _options(cases)
    assert set(_options(people)) == {"pat", "rae"}
    cases.highlighted = _options(cases).index(key)
    await pilot.press("tab")
    people.highlighted = _options(people).index("rae")
    await pilot.press("enter")
    await settle(app, pilot)
    assert app.screen is console
    assert _assigned(fac, "rae") == {key} and _assigned(fac, "pat") == set()
    [assigned] = _events(fac, "exercise.assigned")
    assert assigned.actor == FAY.name and assigned.payload["mode"] == "by-hand"
    assert assigned.payload["assignments"][0]["participant"] == "rae"
    board = console.query_one("#progress-table", NavTable)
    assert board.get_row("rae")[2] == key

    # Escape assigns nothing.
    await pilot.press("m")
    await settle(app, pilot)
    await pilot.press("escape")
    await settle(app, pilot)
    assert app.screen is console and len(_events(fac, "exercise.assigned")) == 1


async def _pause_and_refuse(
    app: LeadReviewApp,
    pilot: Pilot[None],
    fac: Session,
    exercises: ExerciseService,
    exercise_id: int,
) -> int:
    """`p`: the status says paused, and rae's decision is refused and on record; the
    lead she tried."""
    await pilot.press("p")
    await settle(app, pilot)
    assert "PAUSED" in _text(app, "#console-status")
    assert "PAUSED" in _text(app, "#progress-line")
    [paused] = _events(fac, "exercise.paused")
    assert paused.actor == FAY.name and paused.payload["exercise_id"] == exercise_id
    await pilot.press("p")  # not offered while paused: nothing more on record
    await settle(app, pilot)
    assert len(_events(fac, "exercise.paused")) == 1
    assert _events(fac, "permission.refused") == []
    lead = exercises.board(RAE, exercise_id).cases[0].pending_leads[0]
    with pytest.raises(PermissionRefused, match="the exercise is paused"):
        exercises.decide(RAE, exercise_id, lead, DecisionKind.NOT_A_MATCH, "other ears")
    [refused] = _events(fac, "permission.refused")
    assert refused.actor == RAE.name

    return lead


async def _extend(
    app: LeadReviewApp, pilot: Pilot[None], fac: Session, limit: float | None
) -> None:
    """`+` puts the cursor in the minutes box; 999 is refused on screen and recorded
    nowhere; 12 and Enter extend by twelve minutes, on record."""
    console = app.screen
    await pilot.press("plus", "9", "9", "9", "enter")
    await settle(app, pilot)
    refused = [n.message for n in app._notifications if n.severity == "error"]
    assert refused == ["Extend by: give whole minutes from 1 to 240"]
    assert _events(fac, "exercise.extended") == []
    await pilot.press("escape")  # leaves the box, not the console
    await settle(app, pilot)
    assert app.screen is console
    await pilot.press("plus", "1", "2", "enter")
    await settle(app, pilot)
    [extended] = _events(fac, "exercise.extended")
    assert extended.actor == FAY.name and extended.payload["minutes"] == 12.0
    if limit is not None:
        assert f"of {limit + 12:g} min" in _text(app, "#progress-line")
    assert isinstance(console.focused, NavTable)  # back on the timeline for i, v, x


def _assigned_at(fac: Session, name: str) -> datetime:
    with fac.store.reading() as session:
        [at] = session.exec(
            select(ExerciseAssignmentRow.assigned_at)
            .join(
                ExerciseParticipantRow,
                col(ExerciseParticipantRow.id) == col(ExerciseAssignmentRow.participant_id),
            )
            .where(col(ExerciseParticipantRow.name) == name)
        ).all()
        return as_utc(at)


@sync
async def test_assign_by_hand_pause_extend_and_resume_from_the_console(
    isolated_home: Path, database_url: str
) -> None:
    fac = open_session(load_settings(), database_url=database_url, role=FAY.role, demo=False)
    try:
        exercise_id = fac.gateway.start_exercise(FAY, "missing-person").exercise_id
        exercises = ExerciseService(fac.gateway.workflow.ctx)
        exercises.join(PAT, exercise_id)
        exercises.join(RAE, exercise_id)
        key = _case_with_leads(fac, exercise_id)
        app = make_app(fac.gateway, FAY, live_seconds=None)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("f")
            await settle(app, pilot)
            console = app.screen
            assert isinstance(console, ConsoleScreen)
            await _assign_by_hand(app, pilot, fac, key)
            board = console.query_one("#progress-table", NavTable)

            lead = await _pause_and_refuse(app, pilot, fac, exercises, exercise_id)
            # Extend by the minutes typed (a slip beyond the bound first), then resume.
            limit = exercises.progress(FAY, exercise_id).exercise_minutes
            await _extend(app, pilot, fac, limit)
            # The pause lasts a few real seconds, which the decision's time must not count.
            await asyncio.sleep(PAUSE_SECONDS)
            await pilot.press("u")
            await settle(app, pilot)
            assert "PAUSED" not in _text(app, "#console-status")
            assert [e.actor for e in _events(fac, "exercise.resumed")] == [FAY.name]

            # A decision now counts, and the board gives its time.
            exercises.decide(RAE, exercise_id, lead, DecisionKind.NOT_A_MATCH, "other ears")
            await pilot.press("r")
            await settle(app, pilot)
            [rae] = [
                p for p in exercises.progress(FAY, exercise_id).participants if p.name == "rae"
            ]
            assert rae.median_seconds_per_decision is not None
            row = board.get_row("rae")
            assert row[3] == "1" and row[5] == f"{rae.median_seconds_per_decision:.0f} s"
            # Timed from the assignment, less the pause: the board shows play time.
            assert rae.last_decision_at is not None
            wall = (rae.last_decision_at - _assigned_at(fac, "rae")).total_seconds()
            paused = float(_events(fac, "exercise.resumed")[0].payload["paused_minutes"]) * 60
            assert paused >= PAUSE_SECONDS
            # (paused_minutes is recorded to the thousandth of a minute)
            assert rae.median_seconds_per_decision == pytest.approx(wall - paused, abs=0.1)
            assert board.get_row("pat")[5] == "—"
    finally:
        fac.store.dispose()


def test_the_new_keys_have_ids_a_keymap_may_name() -> None:
    from leadreview.tui.app import known_binding_ids

    new = {"console.pause", "console.resume", "console.extend", "console.assign_one"}
    assert new | {"assign.cancel"} <= known_binding_ids()
