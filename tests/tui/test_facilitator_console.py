"""The facilitator runs an exercise from the app, on the real services (SQLite and
PostgreSQL), with participants in their own app instances on the same database: start
from a scenario, assign round robin, release an inject, watch the board, reveal, export
the after-action package and close. The screens AND the rows and events are checked."""

from pathlib import Path

from sqlmodel import select
from textual.widgets import OptionList

from leadreview.audit.log import AuditLog
from leadreview.domain.roles import Actor, Role
from leadreview.settings import load_settings
from leadreview.store.tables.exercise import (
    ExerciseAssignmentRow,
    ExerciseInjectRow,
    ExerciseParticipantRow,
    ExerciseRow,
)
from leadreview.tui.app import LeadReviewApp
from leadreview.tui.factory import Session, open_session
from leadreview.tui.screens.confirm import ConfirmScreen
from leadreview.tui.screens.console import NO_EXERCISE, ConsoleScreen
from leadreview.tui.screens.scenario_pick import ScenarioPickScreen, bundled_scenarios
from leadreview.tui.widgets.nav_table import NavTable
from tests.tui.conftest import FAY, SIZE, make_app, settle, sync

PAT = Actor(name="pat", role=Role.REVIEWER)
RAE = Actor(name="rae", role=Role.REVIEWER)


def _session(database_url: str, actor: Actor) -> Session:
    """One person's own app session: its own store, gateway and worlds."""
    return open_session(load_settings(), database_url=database_url, role=actor.role, demo=False)


def _text(app: LeadReviewApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def _event_types(real: Session) -> list[tuple[str, str]]:
    with real.store.reading() as session:
        return [(e.event_type, e.actor) for e in AuditLog.events(session, limit=100_000)]


async def _join(database_url: str, actor: Actor) -> None:
    """A participant opens the app: it joins the running exercise."""
    mine = _session(database_url, actor)
    try:
        app = make_app(mine.gateway, actor, live_seconds=None)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert "Exercise #" in _text(app, "#exercise-panel")
    finally:
        mine.store.dispose()


async def _start_from_console(fac: Session) -> None:
    app = make_app(fac.gateway, FAY, live_seconds=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        assert isinstance(app.screen, ConsoleScreen)
        assert _text(app, "#console-status") == NO_EXERCISE
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, ScenarioPickScreen)
        app.screen.query_one(OptionList).highlighted = bundled_scenarios().index("missing-person")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ConsoleScreen)
        assert "Exercise #1: " in _text(app, "#console-status")
    assert ("exercise.started", FAY.name) in _event_types(fac)


async def _run_from_console(fac: Session) -> None:
    app = make_app(fac.gateway, FAY, live_seconds=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ConsoleScreen)
        board = screen.query_one("#progress-table", NavTable)
        assert {str(k.value) for k in board.rows} == {PAT.name, RAE.name}

        await pilot.press("a")  # assign round robin
        await settle(app, pilot)
        injects = screen.query_one("#inject-table", NavTable)
        assert [str(r.key.value) for r in injects.ordered_rows] == ["family-call", "press-inquiry"]
        assert injects.get_row("family-call")[3] == "at 10 min"
        await pilot.press("down", "i")  # release press-inquiry by hand
        await settle(app, pilot)
        assert injects.get_row("press-inquiry")[5] == FAY.name
        assert injects.get_row("family-call")[4] == "—"  # not yet due

        await pilot.press("v")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(app, pilot)
        assert "revealed" in _text(app, "#console-status")

        await pilot.press("w")
        await settle(app, pilot)
        written = [n.message for n in app._notifications if "package written" in n.message]
        assert written, [n.message for n in app._notifications]
        folder = Path(written[0].split(": ", 1)[1].split(" (")[0])
        assert any(p.suffix == ".html" for p in folder.iterdir())

        await pilot.press("x", "y")
        await settle(app, pilot)
        assert _text(app, "#console-status") == NO_EXERCISE


def _assert_on_record(fac: Session) -> None:
    with fac.store.reading() as session:
        exercise = session.exec(select(ExerciseRow)).one()
        assert (exercise.scenario_name, exercise.status) == ("missing-person", "closed")
        seats = {p.name for p in session.exec(select(ExerciseParticipantRow)).all()}
        assert seats == {PAT.name, RAE.name}
        assert session.exec(select(ExerciseAssignmentRow)).all()
        out = {r.inject_key: r.released_by for r in session.exec(select(ExerciseInjectRow)).all()}
        assert out == {"family-call": None, "press-inquiry": FAY.name}
    done = [e for e in _event_types(fac) if e[0].startswith("exercise.")]
    assert [t for t, actor in done if actor == FAY.name] == [
        "exercise.started",
        "exercise.assigned",
        "exercise.inject_released",
        "exercise.revealed",
        "exercise.closed",
    ]
    assert fac.gateway.verify_audit(FAY).ok


@sync
async def test_a_facilitator_runs_an_exercise_from_the_console(
    isolated_home: Path, database_url: str
) -> None:
    fac = _session(database_url, FAY)
    try:
        await _start_from_console(fac)
        # Two participants, each in their own app on the same database.
        await _join(database_url, PAT)
        await _join(database_url, RAE)
        await _run_from_console(fac)
        _assert_on_record(fac)
    finally:
        fac.store.dispose()


@sync
async def test_a_reviewer_has_no_console(real: Session) -> None:
    app = make_app(real.gateway, RAE, live_seconds=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        assert not isinstance(app.screen, ConsoleScreen)
