"""The bundled demo's exercise may be run by any facilitator (the app starts it under a
system name, on synthetic practice cases); that exception reaches no real exercise.
Through the app (Pilot) on the real services, on SQLite and PostgreSQL."""

from pathlib import Path

import pytest

from leadreview.audit.log import AuditLog
from leadreview.domain.roles import Actor, Role
from leadreview.errors import PermissionRefused
from leadreview.exercise.service import ExerciseService
from leadreview.tui.demo import DEMO_FACILITATOR
from leadreview.tui.factory import Session
from leadreview.tui.screens.console import ConsoleScreen
from leadreview.tui.screens.error import ErrorScreen
from tests.support.exercise import small_world, table_rows
from tests.tui.conftest import FAY, SIZE, make_app, seat_in_demo, settle, sync

FRAN = Actor(name="fran", role=Role.FACILITATOR)
PAT = Actor(name="pat", role=Role.REVIEWER)


def _refusals(session: Session) -> list[tuple[str, str]]:
    with session.store.reading() as reading:
        found = AuditLog.events(reading, event_type="permission.refused")
    return [(e.actor, str(e.payload["action"])) for e in found]


@sync
async def test_the_demo_s_exception_reaches_no_real_exercise(real: Session, tmp_path: Path) -> None:
    # Any facilitator runs the demo's exercise: FAY assigns its cases.
    demo_id = seat_in_demo(real.gateway, PAT)
    exercises = ExerciseService(real.gateway.workflow.ctx)
    real_id = exercises.start(FRAN, small_world(tmp_path / "scenario")).exercise_id

    # FAY's console turns to the newest exercise, FRAN's: even reading its board is
    # FRAN's alone, so the console never opens on it (no reveal, no close to press).
    app = make_app(real.gateway, FAY, live_seconds=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f")
        await settle(app, pilot)
        assert isinstance(app.screen, ErrorScreen)
        message = str(app.screen.query_one("#error-message").render())
        assert f"only exercise {real_id}'s facilitator 'fran' may exercise-status" in message
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, ConsoleScreen)
    assert _refusals(real) == [("fay", "exercise-status")]
    (row,) = table_rows(real.store, "exercise", id=real_id)
    assert row["status"] == "running" and row["revealed_at"] is None

    # The demo's system name starts the bundled demo only: an exercise it started on
    # another scenario would be open to every facilitator.
    with pytest.raises(PermissionRefused, match="starts only the bundled demo"):
        exercises.start(DEMO_FACILITATOR, small_world(tmp_path / "other"))
    assert len(table_rows(real.store, "exercise")) == 2
    exercises.reveal(FAY, demo_id)  # and the demo's own exercise stays any facilitator's
    (demo,) = table_rows(real.store, "exercise", id=demo_id)
    assert demo["status"] == "revealed"
