"""Live views: a participant's app, open on the real services, shows what the facilitator
(another process on the same database) does, without `r`, keeping the reviewer's place;
an open decision dialog is left alone until it closes."""

from collections.abc import Callable

from textual.pilot import Pilot

from leadreview.domain.decision import DecisionKind
from leadreview.domain.roles import Actor, Role
from leadreview.exercise.service import ExerciseService
from leadreview.tui.app import LeadReviewApp
from leadreview.tui.factory import Session
from leadreview.tui.screens.case_review import CaseReviewScreen
from leadreview.tui.screens.decision import DecisionScreen
from leadreview.tui.widgets.nav_table import NavTable
from tests.tui.conftest import FAY, RAE, SIZE, make_app, settle, sync
from tests.tui.test_exercise_participant import _round_robin

PAT = Actor(name="pat", role=Role.REVIEWER)
POLL = 0.1


async def _until(app: LeadReviewApp, pilot: Pilot[None], done: Callable[[], bool]) -> None:
    """Wait for the app's own poll (never a key press) to bring the change in."""
    for _ in range(100):
        await pilot.pause(POLL)
        await settle(app, pilot)
        if done():
            return
    raise AssertionError("the view did not update on its own")


def _rows(app: LeadReviewApp) -> list[int]:
    table = app.screen.query_one("#case-table", NavTable)
    return [int(str(row.key.value)) for row in table.ordered_rows]


def _panel(app: LeadReviewApp) -> str:
    return str(app.screen.query_one("#exercise-panel").render())


@sync
async def test_assignments_and_injects_appear_by_themselves(real: Session) -> None:
    assert real.demo is not None
    exercises = ExerciseService(real.gateway.workflow.ctx)
    exercise_id = exercises.start(FAY, _round_robin(real.demo.world)).exercise_id
    exercises.join(PAT, exercise_id)  # Pat first: round robin gives Pat two of three
    exercises.join(RAE, exercise_id)
    app = make_app(real.gateway, PAT, live_seconds=POLL)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert _rows(app) == []

        made = exercises.assign(FAY, exercise_id)
        mine = {a.case_id for a in made if a.participant == PAT.name}
        assert len(mine) == 2
        await _until(app, pilot, lambda: set(_rows(app)) == mine)

        # The reviewer moves to the second case; an inject comes in; the cursor stays.
        await pilot.press("down")
        table = app.screen.query_one("#case-table", NavTable)
        chosen = _rows(app)[1]
        exercises.release_inject(FAY, exercise_id, "lineup-result")
        await _until(app, pilot, lambda: "photo line-up" in _panel(app))
        assert table.cursor_row == 1 and _rows(app)[1] == chosen

        # In a case with the decision dialog open, Rae's decision does not move anything.
        await pilot.press("enter")
        await settle(app, pilot)
        review = app.screen
        assert isinstance(review, CaseReviewScreen)
        await pilot.press("d")
        await settle(app, pilot)
        assert isinstance(app.screen, DecisionScreen)
        lead_id = exercises.board(RAE, exercise_id).cases[0].pending_leads[0]
        exercises.decide(RAE, exercise_id, lead_id, DecisionKind.NOT_A_MATCH, "different ears")
        exercises.release_inject(FAY, exercise_id, "alibi")
        for _ in range(5):
            await pilot.pause(POLL)
        assert isinstance(app.screen, DecisionScreen)  # still open, still Pat's
        # Seen by the poll but not taken up while the dialog is open.
        assert app._change_mark != real.gateway.change_mark()
        await pilot.press("escape")
        # Closed: the case screen catches up with what it missed.
        await _until(app, pilot, lambda: app._change_mark == real.gateway.change_mark())
        assert app.screen is review
