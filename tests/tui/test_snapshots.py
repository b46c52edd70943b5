"""Snapshots of every screen at 120×40, on the real gateway over the bundled demo exercise
(`demo` in conftest: a temporary SQLite store, a fixed clock and login, the demo world's
fixed faces, no cursor blink). Update with `pytest tests/tui --snapshot-update` and look
at the SVGs in `__snapshots__/` before committing them."""

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from textual.pilot import Pilot

from leadreview.domain.decision import DecisionKind
from leadreview.domain.roles import Actor, Role
from leadreview.exercise.service import ExerciseService
from leadreview.tui.app import LeadReviewApp
from leadreview.tui.demo import DEMO_FACILITATOR
from leadreview.tui.factory import Session
from tests.tui.conftest import FAY, RAE, SAM, SIZE, make_app, settle

SnapCompare = Callable[..., bool]
PAT = Actor(name="pat", role=Role.REVIEWER)


def _exercise(demo: Session) -> tuple[ExerciseService, int]:
    exercises = ExerciseService(demo.gateway.workflow.ctx)
    return exercises, exercises.current_exercise_id()


def _decide_the_watch_theft(demo: Session, reviewer: Actor = RAE) -> None:
    """`reviewer` joins and decides the oldest case's (the watch theft's) first two leads:
    the second is not a match, the first is forwarded."""
    exercises, exercise_id = _exercise(demo)
    exercises.join(reviewer, exercise_id)
    oldest = min(c.case_id for c in demo.gateway.list_cases(FAY))
    leads = demo.gateway.get_case(FAY, oldest).leads
    for lead, kind in (
        (leads[1], DecisionKind.NOT_A_MATCH),
        (leads[0], DecisionKind.POSSIBLE_LEAD),
    ):
        exercises.decide(reviewer, exercise_id, lead.lead_id, kind, "compared ears")


def _app(demo: Session, actor: Actor = SAM, decided: bool = False) -> LeadReviewApp:
    if decided:
        _decide_the_watch_theft(demo)
    return make_app(demo.gateway, actor)


def _keys(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, LeadReviewApp)
        await settle(app, pilot)
        for key in keys:
            await pilot.press(key)
            await settle(app, pilot)

    return run


def test_case_queue(snap_compare: SnapCompare, demo: Session) -> None:
    assert snap_compare(_app(demo), terminal_size=SIZE, run_before=_keys())


def test_case_review(snap_compare: SnapCompare, demo: Session) -> None:
    app = _app(demo, decided=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=_keys("G", "enter", "j"))


def test_decision_dialog_refusing_an_empty_rationale(
    snap_compare: SnapCompare, demo: Session
) -> None:
    run = _keys("G", "enter", "j", "j", "d", "3", "enter")
    assert snap_compare(_app(demo), terminal_size=SIZE, run_before=run)


def test_audit(snap_compare: SnapCompare, demo: Session) -> None:
    assert snap_compare(_app(demo, decided=True), terminal_size=SIZE, run_before=_keys("a"))


def test_debrief(snap_compare: SnapCompare, demo: Session) -> None:
    """After the reveal: the exercise's own debrief, the one read model the CLI, the HTML
    report and this screen all show."""
    _decide_the_watch_theft(demo)
    exercises, exercise_id = _exercise(demo)
    exercises.reveal(DEMO_FACILITATOR, exercise_id)
    assert snap_compare(_app(demo, FAY), terminal_size=SIZE, run_before=_keys("b"))


def test_debrief_with_the_truth_sealed(snap_compare: SnapCompare, demo: Session) -> None:
    _decide_the_watch_theft(demo)
    assert snap_compare(_app(demo, FAY), terminal_size=SIZE, run_before=_keys("b"))


def test_help(snap_compare: SnapCompare, demo: Session) -> None:
    run = _keys("G", "enter", "question_mark")
    assert snap_compare(_app(demo), terminal_size=SIZE, run_before=run)


def test_enforcement_dialog(snap_compare: SnapCompare, demo: Session) -> None:
    """An investigator on a forwarded lead: an arrest chosen, one item of evidence cited."""
    investigator = Actor(name="ina", role=Role.INVESTIGATOR)

    async def run(pilot: Pilot[Any]) -> None:
        from textual.widgets import Select

        from leadreview.domain.enforcement import EvidenceKind

        await _keys("G", "enter", "e", "enter")(pilot)
        pilot.app.screen.query_one("#evidence-kind", Select).value = EvidenceKind.FINGERPRINT
        pilot.app.screen.query_one("#evidence-text").focus()
        await pilot.press(*"latent print on the display case", "enter")
        await settle(pilot.app, pilot)  # type: ignore[arg-type]

    app = _app(demo, investigator, decided=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def _console_app(demo: Session) -> LeadReviewApp:
    """Two reviewers seated: Pat has decided three leads, Rae none; the lieutenant's
    pressure inject is out, the other two wait for the facilitator."""
    exercises, exercise_id = _exercise(demo)
    for person in (PAT, RAE):
        exercises.join(person, exercise_id)
    exercises.assign(DEMO_FACILITATOR, exercise_id)
    leads = [
        lead for case in exercises.board(PAT, exercise_id).cases for lead in case.pending_leads
    ]
    for lead_id in leads[:3]:
        exercises.decide(PAT, exercise_id, lead_id, DecisionKind.NOT_A_MATCH, "ears differ")
    exercises.release_inject(DEMO_FACILITATOR, exercise_id, "push-for-arrest")
    return make_app(demo.gateway, FAY)


def test_facilitator_console(snap_compare: SnapCompare, demo: Session) -> None:
    # Every key hint shows: the footer wraps onto a second line instead of running off.
    assert snap_compare(_console_app(demo), terminal_size=SIZE, run_before=_keys("f"))


def test_facilitator_console_at_100_columns(snap_compare: SnapCompare, demo: Session) -> None:
    # A laptop's split terminal: the hints take three lines, none is cut off.
    assert snap_compare(_console_app(demo), terminal_size=(100, 30), run_before=_keys("f"))


def test_facilitator_console_extending(snap_compare: SnapCompare, demo: Session) -> None:
    # `+` puts the cursor in the minutes box, the default selected, ready to overtype.
    run = _keys("f", "plus", "1")
    assert snap_compare(_console_app(demo), terminal_size=SIZE, run_before=run)


def test_participant_board(snap_compare: SnapCompare, demo: Session) -> None:
    """A participant's queue: only their cases, the exercise and the injects out so far."""
    exercises, exercise_id = _exercise(demo)
    for person in (PAT, RAE):
        exercises.join(person, exercise_id)
    exercises.assign(DEMO_FACILITATOR, exercise_id)
    exercises.release_inject(DEMO_FACILITATOR, exercise_id, "push-for-arrest")
    assert snap_compare(make_app(demo.gateway, RAE), terminal_size=SIZE, run_before=_keys())


def test_assign_by_hand(snap_compare: SnapCompare, demo: Session) -> None:
    # The cases with who has each; the reviewers with how many they hold.
    run = _keys("f", "m", "down")
    assert snap_compare(_console_app(demo), terminal_size=SIZE, run_before=run)


def test_invite_dialog(snap_compare: SnapCompare, demo: Session) -> None:
    """The name typed, the role and expiry as they open; an earlier invite, used, is
    listed behind it (never its code: the join-code modal is not snapshotted, as its code
    is random)."""
    exercises, exercise_id = _exercise(demo)
    exercises.redeem_join_code(
        exercises.invite(FAY, exercise_id, "ivy", Role.INVESTIGATOR, timedelta(hours=1)).code
    )
    run = _keys("f", "e", *"pat")
    assert snap_compare(make_app(demo.gateway, FAY), terminal_size=SIZE, run_before=run)


def test_scenario_pick(snap_compare: SnapCompare, demo: Session) -> None:
    # `n` starts an exercise only when none is open: the demo's is revealed and closed.
    exercises, exercise_id = _exercise(demo)
    exercises.reveal(DEMO_FACILITATOR, exercise_id)
    exercises.close(DEMO_FACILITATOR, exercise_id)
    app = make_app(demo.gateway, FAY)
    assert snap_compare(app, terminal_size=SIZE, run_before=_keys("f", "n"))


def test_hotwash(snap_compare: SnapCompare, demo: Session) -> None:
    """After the reveal, a participant's sheet: the debrief questions, one answered."""
    _decide_the_watch_theft(demo)
    exercises, exercise_id = _exercise(demo)
    exercises.reveal(DEMO_FACILITATOR, exercise_id)
    exercises.answer_hotwash(
        RAE, exercise_id, 1, "The blur hid the ears; I compared the hairline only."
    )
    app = make_app(demo.gateway, RAE)
    assert snap_compare(app, terminal_size=SIZE, run_before=_keys("o"))
