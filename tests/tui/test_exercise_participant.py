"""A participant in the terminal, on the real services: the app joins the running
exercise, the queue holds only the participant's assigned cases under the injects
released, a decision counts as theirs in the facilitator's progress, and a case assigned
to someone else is refused, with the refusal in the audit log."""

import dataclasses

from sqlmodel import col, select

from leadreview.audit.log import AuditLog
from leadreview.audit.models import AuditEvent
from leadreview.domain.roles import Actor, Role
from leadreview.exercise.scenario import Assignment
from leadreview.exercise.service import ExerciseService
from leadreview.exercise.world import ExerciseWorld
from leadreview.store.tables.exercise import ExerciseParticipantRow
from leadreview.store.tables.workflow import DecisionRow
from leadreview.tui.app import LeadReviewApp
from leadreview.tui.demo import DemoWorld
from leadreview.tui.factory import Session
from leadreview.tui.screens.case_queue import CaseQueueScreen
from leadreview.tui.screens.case_review import CaseReviewScreen
from leadreview.tui.widgets.nav_table import NavTable
from tests.tui.conftest import FAY, RAE, SIZE, make_app, settle, sync

PAT = Actor(name="pat", role=Role.REVIEWER)


def _round_robin(world: ExerciseWorld) -> ExerciseWorld:
    """The demo's world under round-robin assignment, the case these tests are about (the
    bundled demo lets everyone review every case, so a lone user sees some)."""
    loaded = world.exercise
    scenario = loaded.scenario.model_copy(update={"assignment": Assignment.ROUND_ROBIN})
    return dataclasses.replace(world, exercise=dataclasses.replace(loaded, scenario=scenario))


def _start(real: Session) -> tuple[ExerciseService, int]:
    """The facilitator starts the demo's exercise; Rae joins before Pat opens the app."""
    world = real.demo
    assert isinstance(world, DemoWorld)
    exercises = ExerciseService(real.gateway.workflow.ctx)
    exercise_id = exercises.start(FAY, _round_robin(world.world)).exercise_id
    exercises.join(RAE, exercise_id)
    return exercises, exercise_id


def _events(real: Session, event_type: str) -> list[AuditEvent]:
    with real.store.reading() as session:
        return AuditLog.events(session, event_type=event_type, limit=10_000)


def _rows(app: LeadReviewApp) -> list[int]:
    table = app.screen.query_one("#case-table", NavTable)
    return [int(str(row.key.value)) for row in table.ordered_rows]


def _text(app: LeadReviewApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


@sync
async def test_a_participant_joins_sees_their_cases_and_their_decision_counts(
    real: Session,
) -> None:
    exercises, exercise_id = _start(real)
    app = make_app(real.gateway, PAT)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        # Joined on start: a seat and its event; nothing is assigned yet.
        with real.store.reading() as session:
            seats = session.exec(
                select(ExerciseParticipantRow).where(
                    col(ExerciseParticipantRow.exercise_id) == exercise_id
                )
            ).all()
            assert sorted((s.name, s.role) for s in seats) == [
                ("pat", "reviewer"),
                ("rae", "reviewer"),
            ]
        joined = [e for e in _events(real, "exercise.joined") if e.actor == PAT.name]
        assert [e.payload["exercise_id"] for e in joined] == [exercise_id]
        assert _rows(app) == []
        assert "none assigned to you yet" in _text(app, "#queue-title")
        assert "Injects: none released yet" in _text(app, "#exercise-panel")

        made = exercises.assign(FAY, exercise_id)  # round robin: Rae, Pat, Rae, …
        exercises.release_inject(FAY, exercise_id, "lineup-result")
        await pilot.press("r")
        await settle(app, pilot)
        mine = {a.case_id for a in made if a.participant == PAT.name}
        assert 0 < len(mine) < len(made)
        assert (
            set(_rows(app)) == mine == {c.case_id for c in exercises.board(PAT, exercise_id).cases}
        )
        panel = _text(app, "#exercise-panel")
        assert f"Exercise #{exercise_id}" in panel
        assert "The contractor picked the lead from a photo line-up" in panel
        # Joining again (a restart, a refresh) takes no second seat.
        assert len([e for e in _events(real, "exercise.joined") if e.actor == PAT.name]) == 1

        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseReviewScreen)
        await pilot.press("d", "2", *"ears differ", "enter")
        await settle(app, pilot)

    progress = exercises.progress(FAY, exercise_id)
    pat = next(p for p in progress.participants if p.name == PAT.name)
    assert pat.decisions_made == 1
    assert set(pat.assigned_cases) == {a.case_key for a in made if a.participant == PAT.name}
    decided = _events(real, "lead.decided")
    assert [(e.actor, e.role) for e in decided] == [(PAT.name, PAT.role.value)]


@sync
async def test_a_case_assigned_to_someone_else_is_refused_and_audited(real: Session) -> None:
    exercises, exercise_id = _start(real)
    app = make_app(real.gateway, PAT)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        made = exercises.assign(FAY, exercise_id)
        theirs = next(a for a in made if a.participant == RAE.name)
        assert all(a.case_id != theirs.case_id for a in made if a.participant == PAT.name)
        # Not in Pat's queue, but reachable by id (the command palette, `--case`).
        app.open_case(theirs.case_id)
        await settle(app, pilot)
        assert isinstance(app.screen, CaseReviewScreen)
        lead = app.screen.highlighted_lead()
        assert lead is not None
        lead_id = lead.lead_id
        await pilot.press("d", "1", *"same chin", "enter", "y")
        await settle(app, pilot)
        shown = [(n.title, n.message) for n in app._notifications]
        assert any(
            title == "Decision not recorded" and f"not assigned to {PAT.name!r}" in message
            for title, message in shown
        ), shown

    with real.store.reading() as session:
        assert session.exec(select(DecisionRow)).all() == []
    refused = [
        e for e in _events(real, "permission.refused") if e.payload["action"] == "exercise-decide"
    ]
    assert [e.actor for e in refused] == [PAT.name]
    assert refused[0].payload["subject"] == {"exercise_id": exercise_id, "lead_id": lead_id}
    assert "not assigned" in str(refused[0].payload["reason"])
    assert real.gateway.verify_audit(FAY).ok


@sync
async def test_the_facilitator_takes_no_seat_and_sees_every_case(real: Session) -> None:
    _start(real)
    app = make_app(real.gateway, FAY)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, CaseQueueScreen)
        assert len(_rows(app)) == len(real.gateway.list_cases(FAY)) == 3
        assert not app.screen.query_one("#exercise-panel").display
    assert [e.actor for e in _events(real, "exercise.joined")] == [RAE.name]
    assert app.exercise_id is None


@sync
async def test_a_role_without_a_seat_is_told_why_once(real: Session) -> None:
    _start(real)
    auditor = Actor(name="aud", role=Role.AUDITOR)
    app = make_app(real.gateway, auditor)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "no auditor seats" in _text(app, "#exercise-panel")
        await pilot.press("r")
        await settle(app, pilot)
    refused = [
        e for e in _events(real, "permission.refused") if e.payload["action"] == "exercise-join"
    ]
    assert [e.actor for e in refused] == ["aud"]  # asked once, not on every refresh
