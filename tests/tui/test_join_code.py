"""A served session signs in with a join code on the real services (Pilot): the invited
name and role act, nothing else unlocks the facilitator's screens, and a code signs in
once (a second try is refused on record)."""

from datetime import timedelta

from leadreview.audit.log import AuditLog
from leadreview.audit.models import AuditEvent
from leadreview.domain.roles import Actor, Role
from leadreview.exercise.service import ExerciseService
from leadreview.tui.factory import Session
from leadreview.tui.screens.case_queue import CaseQueueScreen
from leadreview.tui.screens.sign_in import SignInScreen
from tests.tui.conftest import FAY, SIZE, make_app, seat_in_demo, settle, sync

PAT = Actor(name="pat", role=Role.REVIEWER)
NOBODY_YET = Actor(name="unauthenticated", role=Role.FACILITATOR)


def _events(session: Session, event_type: str) -> list[AuditEvent]:
    with session.store.reading() as reading:
        return AuditLog.events(reading, event_type=event_type)


@sync
async def test_a_join_code_signs_in_the_invited_participant_once(real: Session) -> None:
    exercise_id = seat_in_demo(real.gateway, PAT)
    exercises = ExerciseService(real.gateway.workflow.ctx)
    code = exercises.invite(FAY, exercise_id, PAT.name, PAT.role, timedelta(hours=1)).code

    # Started as if in the facilitator's role: the code, not the session, decides.
    app = make_app(real.gateway, NOBODY_YET, join_code=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, SignInScreen)
        await pilot.press(*code, "enter")
        await settle(app, pilot)
        assert app.actor == PAT
        assert isinstance(app.screen, CaseQueueScreen)
        assert not app.may_debrief  # the reveal stays the facilitator's
        await pilot.press("ctrl+r")  # no key of a reviewer's opens the debrief
        await settle(app, pilot)
        assert isinstance(app.screen, CaseQueueScreen)

    again = make_app(real.gateway, NOBODY_YET, join_code=True)
    async with again.run_test(size=SIZE) as pilot:
        await settle(again, pilot)
        await pilot.press(*code, "enter")
        await settle(again, pilot)
        assert isinstance(again.screen, SignInScreen)
        error = str(again.screen.query_one("#sign-in-error").render())
        assert "already used" in error
        assert again.actor == NOBODY_YET

    (used,) = _events(real, "exercise.invite_used")
    assert (used.actor, used.role, used.auth) == ("pat", "reviewer", "join-code")
    (refused,) = _events(real, "exercise.invite_refused")
    assert refused.payload["reason"] == "this join code was already used"
    assert _events(real, "exercise.revealed") == []
