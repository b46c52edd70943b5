"""Inviting from the facilitator's console, on the real services (SQLite and PostgreSQL):
a join code issued in the app signs in exactly its participant through the served
sign-in screen, once; the code is shown once and never listed; a revoked code is refused;
a bad name is one line in the error modal and issues nothing."""

from pathlib import Path

import pytest
from sqlmodel import select
from textual.widgets import Select

from leadreview.audit.log import AuditLog
from leadreview.audit.models import AuditEvent
from leadreview.domain.roles import Actor, Role
from leadreview.exercise.invites import JoinRefused
from leadreview.store.tables.exercise import ExerciseParticipantRow
from leadreview.store.tables.principals import ExerciseInviteRow
from leadreview.tui.app import LeadReviewApp
from leadreview.tui.factory import Session
from leadreview.tui.screens.case_queue import CaseQueueScreen
from leadreview.tui.screens.confirm import ConfirmScreen
from leadreview.tui.screens.console import ConsoleScreen
from leadreview.tui.screens.error import ErrorScreen
from leadreview.tui.screens.invite_dialog import InviteDialog
from leadreview.tui.screens.join_code import JoinCodeScreen
from leadreview.tui.widgets.invite_table import InviteTable
from tests.tui.conftest import FAY, SIZE, make_app, settle, sync

PAT = Actor(name="pat", role=Role.REVIEWER)
IVY = Actor(name="ivy", role=Role.INVESTIGATOR)
NOBODY_YET = Actor(name="unauthenticated", role=Role.FACILITATOR)


def _start_demo(real: Session) -> int:
    """The bundled demo's exercise, running with nobody seated yet."""
    from leadreview.exercise.service import ExerciseService

    real.gateway.list_cases(FAY)
    return ExerciseService(real.gateway.workflow.ctx).current_exercise_id()


def _events(real: Session, event_type: str) -> list[AuditEvent]:
    with real.store.reading() as reading:
        return AuditLog.events(reading, event_type=event_type)


async def _invite_from_console(app: LeadReviewApp, pilot: object, who: Actor) -> str:
    """Press e in the console, type the name, pick the role, Enter: the code shown."""
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    await pilot.press("e")
    await settle(app, pilot)
    assert isinstance(app.screen, InviteDialog)
    await pilot.press(*who.name)
    app.screen.query_one("#invite-role", Select).value = who.role
    app.screen.query_one("#invite-name").focus()
    await pilot.press("enter")
    await settle(app, pilot)
    assert isinstance(app.screen, JoinCodeScreen)
    code = str(app.screen.query_one("#join-code").render())
    about = str(app.screen.query_one("#join-code-about").render())
    assert f"{who.name} as {who.role.value}" in about
    await pilot.press("c")
    assert app.clipboard == code
    await pilot.press("enter")  # closed: the app keeps the code nowhere
    await settle(app, pilot)
    assert isinstance(app.screen, ConsoleScreen)
    return code


async def _sign_in(real: Session, code: str) -> Actor:
    """The served app's sign-in screen, typed at as a participant would."""
    app = make_app(real.gateway, NOBODY_YET, join_code=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press(*code, "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseQueueScreen)
        return app.actor


@sync
async def test_a_code_issued_from_the_console_seats_its_participant_once(real: Session) -> None:
    exercise_id = _start_demo(real)
    app = make_app(real.gateway, FAY, live_seconds=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        assert isinstance(app.screen, ConsoleScreen)
        code = await _invite_from_console(app, pilot, PAT)
        table = app.screen.query_one(InviteTable)
        (row,) = [table.get_row(key) for key in table.rows]
        assert row[1:3] == ["pat", "reviewer"] and row[4] == "outstanding"
        assert all(code not in str(cell) for cell in row)  # never listed

        assert await _sign_in(real, code) == PAT
        await pilot.press("r")  # the console reads the exercise and its invites again
        await settle(app, pilot)
        (row,) = [table.get_row(key) for key in table.rows]
        assert str(row[4]).startswith("used ")

    with real.store.reading() as session:
        seated = session.exec(select(ExerciseParticipantRow)).all()
        assert [(p.name, p.role) for p in seated] == [("pat", "reviewer")]
    (issued,) = _events(real, "exercise.invite_issued")
    assert (issued.actor, issued.role) == (FAY.name, "facilitator")
    # The facilitator's own authentication (the OS user, or the PostgreSQL login).
    assert issued.auth in ("os-user", "postgres-login")
    assert issued.payload["name"] == "pat" and issued.payload["exercise_id"] == exercise_id
    (used,) = _events(real, "exercise.invite_used")
    assert (used.actor, used.auth) == ("pat", "join-code")
    assert code.replace("-", "") not in str([e.payload for e in _events(real, "exercise.")])
    with pytest.raises(JoinRefused, match="already used"):
        real.gateway.sign_in(code)


@sync
async def test_a_code_revoked_from_the_console_signs_nobody_in(real: Session) -> None:
    _start_demo(real)
    app = make_app(real.gateway, FAY, live_seconds=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        kept = await _invite_from_console(app, pilot, PAT)
        revoked = await _invite_from_console(app, pilot, IVY)
        table = app.screen.query_one(InviteTable)
        assert [table.get_row(key)[1:3] for key in table.rows] == [
            ["pat", "reviewer"],
            ["ivy", "investigator"],
        ]
        table.move_cursor(row=1)
        await pilot.press("d")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(app, pilot)
        assert isinstance(app.screen, ConsoleScreen)
        assert str(table.get_row_at(1)[4]).startswith("revoked ")
        assert table.get_row_at(0)[4] == "outstanding"

    with pytest.raises(JoinRefused, match="revoked"):
        real.gateway.sign_in(revoked)
    (gone,) = _events(real, "exercise.invite_revoked")
    assert (gone.actor, gone.payload["name"], gone.payload["role"]) == (
        "fay",
        "ivy",
        "investigator",
    )
    assert real.gateway.sign_in(kept) == PAT  # the other code still works


@sync
async def test_a_bad_name_is_one_line_and_issues_nothing(real: Session) -> None:
    _start_demo(real)
    app = make_app(real.gateway, FAY, live_seconds=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f", "e")
        await settle(app, pilot)
        await pilot.press(*'pat "the cat"', "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ErrorScreen)
        message = str(app.screen.query_one("#error-message").render())
        assert "no quotes" in message and "\n" not in message
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, ConsoleScreen)
        await pilot.press("e")
        await settle(app, pilot)
        await pilot.press(*"pat", "tab", "tab", "end", "backspace", "backspace", *"9d", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ErrorScreen)
        message = str(app.screen.query_one("#error-message").render())
        assert message == "expires in '9d': from 1m to 7d"
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen.query_one(InviteTable).row_count == 0
    with real.store.reading() as session:
        assert session.exec(select(ExerciseInviteRow)).all() == []
    assert _events(real, "exercise.invite_issued") == []


@sync
async def test_another_facilitator_s_console_lists_no_invites_and_issues_none(
    isolated_home: Path, database_url: str, tmp_path: Path
) -> None:
    """The service refuses whoever is not the exercise's own facilitator: the board is not
    read (on record), so neither are the invites, and the console closes once the
    one-line refusal is dismissed: no invite key is ever offered."""
    from leadreview.exercise.service import ExerciseService
    from leadreview.settings import load_settings
    from leadreview.tui.factory import open_session
    from tests.support.exercise import small_world

    gil = Actor(name="gil", role=Role.FACILITATOR)
    mine = open_session(load_settings(), database_url=database_url, role=gil.role, demo=False)
    try:
        ExerciseService(mine.gateway.workflow.ctx).start(FAY, small_world(tmp_path / "s"))
        app = make_app(mine.gateway, gil, live_seconds=None)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("f")
            await settle(app, pilot)
            assert isinstance(app.screen, ErrorScreen)
            message = str(app.screen.query_one("#error-message").render())
            assert "only exercise 1's facilitator 'fay'" in message and "\n" not in message
            while isinstance(app.screen, ErrorScreen):
                await pilot.press("escape")
                await settle(app, pilot)
            assert not isinstance(app.screen, ConsoleScreen)
        (refused,) = _events(mine, "permission.refused")
        assert (refused.actor, refused.payload["action"]) == ("gil", "exercise-status")
        with mine.store.reading() as session:
            assert session.exec(select(ExerciseInviteRow)).all() == []
    finally:
        mine.store.dispose()
