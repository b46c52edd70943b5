"""The hot wash in the app, on the real services: closed before the reveal; after it a
participant answers the debrief questions and the facilitator judges an expectation, each
an audited event; someone who did not take part is refused, and the refusal recorded."""

from pathlib import Path

from textual.widgets import Input

from leadreview.audit.log import AuditLog
from leadreview.audit.models import AuditEvent
from leadreview.domain.roles import Actor, Role
from leadreview.exercise.service import ExerciseService
from leadreview.tui.app import LeadReviewApp
from leadreview.tui.factory import Session
from leadreview.tui.screens.error import ErrorScreen
from leadreview.tui.screens.hotwash import NOT_YET, HotwashScreen
from leadreview.tui.widgets.nav_table import NavTable
from tests.tui.conftest import FAY, SIZE, make_app, settle, sync
from tests.tui.test_exercise_worlds import _cold_cases

PAT = Actor(name="pat", role=Role.REVIEWER)
OUTSIDER = Actor(name="olly", role=Role.REVIEWER)


def _events(real: Session, event_type: str) -> list[AuditEvent]:
    with real.store.reading() as session:
        return AuditLog.events(session, event_type=event_type, limit=10_000)


def _status(app: LeadReviewApp) -> str:
    if isinstance(app.screen, ErrorScreen):
        raise AssertionError(str(app.screen.query_one("#error-message").render()))
    return str(app.screen.query_one("#hotwash-status").render())


async def _facilitator_judges(real: Session) -> None:
    app = make_app(real.gateway, FAY, live_seconds=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        table = app.screen.query_one("#expectation-table", NavTable)
        last = table.row_count - 1
        table.move_cursor(row=last)
        key = str(table.ordered_rows[last].key.value)
        await pilot.press("ctrl+n")  # no note yet: nothing recorded
        await settle(app, pilot)
        assert _events(real, "exercise.expectation_validated") == []
        app.screen.query_one("#validation-note", Input).focus()
        await pilot.press(*"two cases forwarded on the lead alone", "ctrl+n")
        await settle(app, pilot)
        assert "✖ not met" in table.get_row(key)
    [judged] = _events(real, "exercise.expectation_validated")
    assert (judged.actor, judged.payload["expectation"], judged.payload["met"]) == (
        FAY.name,
        key,
        False,
    )


async def _outsider_is_refused(real: Session) -> None:
    app = make_app(real.gateway, OUTSIDER, live_seconds=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        await pilot.press(*"I was not there", "ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ErrorScreen)
    refused = [
        e for e in _events(real, "permission.refused") if e.payload["action"] == "exercise-hotwash"
    ]
    assert [e.actor for e in refused] == [OUTSIDER.name]
    assert len(_events(real, "exercise.hotwash_answered")) == 1


@sync
async def test_answers_and_judgements_after_the_reveal(
    isolated_home: Path, database_url: str
) -> None:
    real, exercise_id = _cold_cases(database_url)
    try:
        exercises = ExerciseService(real.gateway.workflow.ctx)
        exercises.join(PAT, exercise_id)
        app = make_app(real.gateway, PAT, live_seconds=None)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("o")
            await settle(app, pilot)
            assert isinstance(app.screen, HotwashScreen)
            assert _status(app) == NOT_YET
            await pilot.press("escape")

            exercises.reveal(FAY, exercise_id)
            await pilot.press("o")
            await settle(app, pilot)
            assert "Exercise #" in _status(app)
            assert app.screen.query_one("#answer-1", Input).has_focus
            await pilot.press(*"the ears were never compared", "ctrl+s")
            await settle(app, pilot)
        [answered] = _events(real, "exercise.hotwash_answered")
        assert (answered.actor, answered.payload["question_index"]) == (PAT.name, 1)
        assert answered.payload["answer"] == "the ears were never compared"
        # Read back: the sheet shows Pat's own answer.
        sheet = real.gateway.hotwash_sheet(PAT)
        assert sheet is not None and sheet.my_answers[0] == "the ears were never compared"

        await _facilitator_judges(real)
        await _outsider_is_refused(real)
    finally:
        real.store.dispose()
