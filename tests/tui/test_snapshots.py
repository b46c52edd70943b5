"""Snapshots of every screen at 120×40 on fixed data (fake gateway, fixed clock, fixed
faces, no cursor blink). Update with `pytest tests/tui --snapshot-update` and look at the
SVGs in `__snapshots__/` before committing them."""

from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot

from leadreview.domain.decision import DecisionKind
from leadreview.domain.roles import Actor, Role
from leadreview.tui.app import LeadReviewApp
from tests.tui.conftest import FAY, SAM, SIZE, make_app, settle
from tests.tui.fake_gateway import FakeGateway

SnapCompare = Callable[..., bool]


def _app(actor: Actor = SAM, decided: bool = False) -> LeadReviewApp:
    gateway = FakeGateway()
    if decided:
        for lead_id, kind in ((102, DecisionKind.NOT_A_MATCH), (101, DecisionKind.POSSIBLE_LEAD)):
            gateway.decide(Actor(name="rae", role=SAM.role), lead_id, kind, "compared ears", 1)
    return make_app(gateway, actor)


def _keys(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, LeadReviewApp)
        await settle(app, pilot)
        for key in keys:
            await pilot.press(key)
            await settle(app, pilot)

    return run


def test_case_queue(snap_compare: SnapCompare) -> None:
    assert snap_compare(_app(), terminal_size=SIZE, run_before=_keys())


def test_case_review(snap_compare: SnapCompare) -> None:
    assert snap_compare(_app(decided=True), terminal_size=SIZE, run_before=_keys("G", "enter", "j"))


def test_decision_dialog_refusing_an_empty_rationale(snap_compare: SnapCompare) -> None:
    run = _keys("G", "enter", "j", "j", "d", "3", "enter")
    assert snap_compare(_app(), terminal_size=SIZE, run_before=run)


def test_audit(snap_compare: SnapCompare) -> None:
    assert snap_compare(_app(decided=True), terminal_size=SIZE, run_before=_keys("a"))


def test_debrief(snap_compare: SnapCompare) -> None:
    assert snap_compare(_app(FAY, decided=True), terminal_size=SIZE, run_before=_keys("b"))


def test_help(snap_compare: SnapCompare) -> None:
    run = _keys("G", "enter", "question_mark")
    assert snap_compare(_app(), terminal_size=SIZE, run_before=run)


def test_enforcement_dialog(snap_compare: SnapCompare) -> None:
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

    app = _app(investigator, decided=True)
    assert snap_compare(app, terminal_size=SIZE, run_before=run)


def _console_app() -> LeadReviewApp:
    from datetime import UTC, datetime

    from leadreview.exercise.views import (
        ExerciseProgress,
        ExerciseSummary,
        InjectView,
        ParticipantProgress,
    )
    from leadreview.tui.read_models import ExerciseState

    start = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
    gateway = FakeGateway()
    gateway.exercise = ExerciseState(exercise_id=4, title="Blurry CCTV", status="running")
    summary = ExerciseSummary(
        exercise_id=4,
        scenario_name="blurry-cctv",
        title="Blurry CCTV",
        status="running",
        seed=2020,
        policy_in_force="wcso-practice",
        assignment="round-robin",
        started_by="fay",
        started_at=start,
        case_ids=(1, 2, 3),
    )

    def inject(key: str, minutes: float | None, condition: str | None, out: bool) -> InjectView:
        return InjectView(
            inject_key=key,
            kind="pressure" if minutes else "evidence",
            title=f"The {key.replace('-', ' ')}",
            text="…",
            sender="exercise control",
            cases=(),
            release_after_minutes=minutes,
            condition=condition,
            released_at=start.replace(minute=10) if out else None,
            released_by="fay" if out else None,
        )

    gateway.progress = ExerciseProgress(
        exercise=summary,
        now=start.replace(minute=12),
        elapsed_minutes=12.0,
        exercise_minutes=45.0,
        overdue=False,
        participants=(
            ParticipantProgress(
                name="pat",
                role=Role.REVIEWER,
                assigned_cases=("watch-theft", "car-break-in"),
                decisions_made=3,
                decisions_pending=2,
                last_decision_at=start.replace(minute=11),
                median_seconds_per_decision=48.0,
            ),
            ParticipantProgress(
                name="rae",
                role=Role.REVIEWER,
                assigned_cases=("shoplifting-pharmacy",),
                decisions_made=0,
                decisions_pending=5,
                last_decision_at=None,
            ),
        ),
        injects=(
            inject("push-for-arrest", 10.0, None, True),
            inject("lineup-result", None, "lead_forwarded:watch-theft", False),
            inject("alibi", None, None, False),
        ),
        cases_complete=1,
        case_count=3,
        case_keys=("watch-theft", "car-break-in", "shoplifting-pharmacy"),
    )
    return make_app(gateway, FAY)


def test_facilitator_console(snap_compare: SnapCompare) -> None:
    # Every key hint shows: the footer wraps onto a second line instead of running off.
    assert snap_compare(_console_app(), terminal_size=SIZE, run_before=_keys("f"))


def test_facilitator_console_at_100_columns(snap_compare: SnapCompare) -> None:
    # A laptop's split terminal: the hints take three lines, none is cut off.
    assert snap_compare(_console_app(), terminal_size=(100, 30), run_before=_keys("f"))


def test_facilitator_console_extending(snap_compare: SnapCompare) -> None:
    # `+` puts the cursor in the minutes box, the default selected, ready to overtype.
    assert snap_compare(_console_app(), terminal_size=SIZE, run_before=_keys("f", "plus", "1"))


def test_participant_board(snap_compare: SnapCompare) -> None:
    """A participant's queue: only their cases, the exercise and the injects out so far."""
    from datetime import UTC, datetime

    from leadreview.exercise.views import (
        ExerciseSummary,
        InjectView,
        MyCase,
        ParticipantBoard,
        ParticipantView,
    )

    start = datetime(2026, 3, 14, 9, 0, tzinfo=UTC)
    gateway = FakeGateway()
    gateway.board = ParticipantBoard(
        exercise=ExerciseSummary(
            exercise_id=4,
            scenario_name="blurry-cctv",
            title="Blurry CCTV",
            status="running",
            seed=2020,
            policy_in_force="wcso-practice",
            assignment="round-robin",
            started_by="fay",
            started_at=start,
            case_ids=(1, 2, 3),
        ),
        participant=ParticipantView(
            participant_id=2, exercise_id=4, name="rae", role=Role.REVIEWER, joined_at=start
        ),
        cases=(MyCase(case_id=1, offense="theft", pending_leads=(101, 102)),),
        injects=(
            InjectView(
                inject_key="push-for-arrest",
                kind="pressure",
                title="The lieutenant wants the watch thief picked up",
                text="…",
                sender="Lt. Okafor",
                cases=("case #1",),
                release_after_minutes=10.0,
                condition=None,
                released_at=start.replace(minute=10),
                released_by="exercise clock",
            ),
        ),
    )
    app = make_app(gateway, Actor(name="rae", role=Role.REVIEWER))
    assert snap_compare(app, terminal_size=SIZE, run_before=_keys())


def test_assign_by_hand(snap_compare: SnapCompare) -> None:
    # The cases with who has each; the reviewers with how many they hold.
    assert snap_compare(_console_app(), terminal_size=SIZE, run_before=_keys("f", "m", "down"))


def test_scenario_pick(snap_compare: SnapCompare) -> None:
    app = make_app(FakeGateway(), FAY)
    assert snap_compare(app, terminal_size=SIZE, run_before=_keys("f", "n"))


def test_hotwash(snap_compare: SnapCompare) -> None:
    from leadreview.exercise.views import ExpectationState, HotwashSheet

    gateway = FakeGateway()
    gateway.sheet = HotwashSheet(
        exercise_id=4,
        title="Blurry CCTV",
        status="revealed",
        questions=(
            "What in the probe should have held you back?",
            "Is a line-up pick by someone who saw only the same video independent evidence?",
        ),
        my_answers=("The blur hid the ears; I compared the hairline only.", None),
        expectations=(
            ExpectationState(
                expectation="no-wrong-forwards",
                text="No wrong person forwarded",
                check="no-wrong-person-forwarded",
                met=None,
            ),
            ExpectationState(
                expectation="no-action-without-corroboration",
                text="No arrest request without independent evidence",
                check="manual",
                met=False,
            ),
        ),
    )
    app = make_app(gateway, FAY)
    assert snap_compare(app, terminal_size=SIZE, run_before=_keys("o"))
