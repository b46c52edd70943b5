"""Pilot-driven flows: the screen and the database rows, both asserted."""

import pytest
from sqlmodel import col, select

from leadreview.audit.log import AuditLog
from leadreview.domain.decision import DecisionKind
from leadreview.store.tables.workflow import DecisionRow
from leadreview.tui.factory import Session
from leadreview.tui.screens.audit import AuditScreen
from leadreview.tui.screens.case_queue import CaseQueueScreen
from leadreview.tui.screens.case_review import CaseReviewScreen
from leadreview.tui.screens.decision import DecisionScreen
from leadreview.tui.screens.error import ErrorScreen
from leadreview.tui.widgets.nav_table import NavTable
from leadreview.workflow.views import LeadView
from tests.tui.conftest import FAY, SAM, SIZE, make_app, seat_in_demo, settle, sync


def _event_count(demo: Session) -> int:
    with demo.store.reading() as session:
        return len(AuditLog.events(session, limit=100_000))


def _cursor(app: object) -> int:
    return app.screen.query_one("#lead-table", NavTable).cursor_row  # type: ignore[attr-defined, no-any-return]


def _highlighted(app: object) -> LeadView:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, CaseReviewScreen)
    lead = screen.highlighted_lead()
    assert lead is not None
    return lead


@sync
async def test_review_one_lead_end_to_end_on_the_real_services(real: Session) -> None:
    seat_in_demo(real.gateway, SAM)  # the only participant: every case is Sam's
    app = make_app(real.gateway, SAM)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, CaseQueueScreen)
        queue = app.screen.query_one("#case-table", NavTable)
        assert queue.row_count == len(real.gateway.list_cases(SAM)) >= 1

        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseReviewScreen)
        assert app.screen.query_one("#lead-table", NavTable).row_count >= 3

        # j/k and the arrows move the row cursor; the lead panel follows.
        await pilot.press("j", "down")
        assert _cursor(app) == 2
        await pilot.press("k", "up")
        assert _cursor(app) == 0
        await pilot.press("j")
        await settle(app, pilot)
        lead = _highlighted(app)
        assert lead.rank == 2
        info = str(app.screen.query_one("#lead-info").render())
        assert "Lead rank 2" in info and "name:" in info

        # The dialog refuses an empty rationale and stays open.
        await pilot.press("d")
        assert isinstance(app.screen, DecisionScreen)
        await pilot.press("2", "enter")
        assert isinstance(app.screen, DecisionScreen)
        assert "rationale is required" in str(app.screen.query_one("#decision-error").render())

        await pilot.press(*"ears differ", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseReviewScreen)
        table = app.screen.query_one("#lead-table", NavTable)
        assert table.get_cell(str(lead.lead_id), "decision") == "✗ not a match"
        assert table.get_cell(str(lead.lead_id), "status") == "✗ rejected"

        # The decision and its audit event are in the database.
        with real.store.reading() as session:
            decisions = [
                (d.kind, d.rationale)
                for d in session.exec(
                    select(DecisionRow).where(col(DecisionRow.lead_id) == lead.lead_id)
                ).all()
            ]
            events = AuditLog.events(session, event_type="lead.decided")
        assert decisions == [(DecisionKind.NOT_A_MATCH.value, "ears differ")]
        assert len(events) == 1
        assert events[0].actor == SAM.name
        assert events[0].payload["lead_id"] == lead.lead_id
        assert events[0].payload["rationale"] == "ears differ"

        # ... and on the audit screen, whose chain verifies.
        await pilot.press("a")
        await settle(app, pilot)
        assert isinstance(app.screen, AuditScreen)
        events_table = app.screen.query_one("#event-table", NavTable)
        row = events_table.get_row(str(events[0].seq))
        assert row[4] == "lead.decided"
        assert str(app.screen.query_one("#verify-status").render()).startswith("✔ verified")


@sync
async def test_a_lead_edited_behind_the_apps_back_is_marked(real: Session) -> None:
    """P15 in the terminal app: a row changed with plain SQL is marked, with the reason."""
    seat_in_demo(real.gateway, SAM)
    case_id = real.gateway.list_cases(SAM)[0].case_id
    lead = real.gateway.get_case(SAM, case_id).leads[1]
    with real.store.engine.begin() as connection:
        connection.exec_driver_sql(f"UPDATE lead SET similarity = 12.5 WHERE id = {lead.lead_id}")
    app = make_app(real.gateway, SAM)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseReviewScreen)
        table = app.screen.query_one("#lead-table", NavTable)
        assert str(table.get_cell(str(lead.lead_id), "status")).endswith("≠ log")
        other = app.screen.case.leads[0] if app.screen.case else None
        assert other is not None and not str(table.get_cell(str(other.lead_id), "status")).endswith(
            "≠ log"
        )
        await pilot.press("j")
        await settle(app, pilot)
        verdicts = str(app.screen.query_one("#verdicts").render())
        assert "disagrees with the audit log" in verdicts and "similarity is 12.5" in verdicts


@sync
async def test_a_lead_decided_in_another_session_is_reported_not_overwritten(
    real: Session,
) -> None:
    from leadreview.domain.roles import Actor, Role
    from leadreview.exercise.service import ExerciseService

    bob = Actor(name="bob", role=Role.REVIEWER)
    exercise_id = seat_in_demo(real.gateway, SAM)
    app = make_app(real.gateway, SAM)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        lead = _highlighted(app)
        # The facilitator gives Bob the same case, so that both may decide its leads.
        exercises = ExerciseService(real.gateway.workflow.ctx)
        exercises.join(bob, exercise_id)
        # (A participant's board shows case numbers only; the facilitator knows the key.)
        with real.store.reading() as session:
            case_key = (
                session.connection()
                .exec_driver_sql(
                    f"SELECT case_key FROM exercise_case WHERE case_id = {lead.case_id}"
                )
                .scalar_one()
            )
        exercises.assign(FAY, exercise_id, case_key=str(case_key), participant=bob.name)
        # Bob decides the same lead in his own session while Sam is looking at it.
        real.gateway.decide(
            bob, lead.lead_id, DecisionKind.INCONCLUSIVE, "too blurry", lead.version
        )

        await pilot.press("d", "1", *"same chin", "enter", "y")
        await settle(app, pilot)
        assert isinstance(app.screen, ErrorScreen)
        assert "bob" in str(app.screen.query_one("#error-message").render())
        await pilot.press("escape")
        await settle(app, pilot)
        table = app.screen.query_one("#lead-table", NavTable)
        assert table.get_cell(str(lead.lead_id), "status") == "? inconclusive"

    with real.store.reading() as session:
        decided = [
            d.kind
            for d in session.exec(
                select(DecisionRow).where(col(DecisionRow.lead_id) == lead.lead_id)
            ).all()
        ]
    assert decided == [DecisionKind.INCONCLUSIVE.value]


@sync
async def test_keys_on_the_demo(demo: Session) -> None:
    app = make_app(demo.gateway)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("l")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseReviewScreen)
        await pilot.press("G")
        assert _cursor(app) == len(app.screen.leads) - 1 == 4  # the demo's five leads
        await pilot.press("g", "n")
        assert _cursor(app) == 1  # next undecided after the first
        await pilot.press("left")
        assert isinstance(app.screen, CaseQueueScreen)
        await pilot.press("right")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseReviewScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, CaseQueueScreen)


@sync
async def test_help_lists_the_live_bindings_with_their_ids(demo: Session) -> None:
    app = make_app(demo.gateway, keymap={"lead.decide": "x"})
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("question_mark")
        table = app.screen.query_one("#help-table", NavTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        by_id = {row[2]: row for row in rows}
        assert by_id["lead.decide"][0] == "x"  # the user's keymap, not the default
        assert "table.down" in by_id
        await pilot.press("escape")
        await pilot.press("x")
        assert isinstance(app.screen, DecisionScreen)


@sync
async def test_a_failed_worker_opens_an_error_modal(demo: Session) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("database went away")

    demo.gateway.list_events = broken  # type: ignore[assignment, method-assign]
    app = make_app(demo.gateway)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        assert isinstance(app.screen, ErrorScreen)
        assert "database went away" in str(app.screen.query_one("#error-message").render())


@pytest.mark.parametrize("role", ["reviewer", "auditor"])
@sync
async def test_the_debrief_is_for_the_facilitator_only(demo: Session, role: str) -> None:
    from leadreview.domain.roles import Actor, Role

    app = make_app(demo.gateway, Actor(name="x", role=Role(role)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("b")
        assert isinstance(app.screen, CaseQueueScreen)


@sync
async def test_a_served_session_signs_in_with_a_join_code_not_a_name(demo: Session) -> None:
    from datetime import timedelta

    from leadreview.domain.roles import Actor, Role
    from leadreview.exercise.records import ExerciseEvent
    from leadreview.exercise.service import ExerciseService
    from leadreview.tui.demo import DEMO_FACILITATOR
    from leadreview.tui.screens.sign_in import SignInScreen

    exercises = ExerciseService(demo.gateway.workflow.ctx)
    exercise_id = exercises.current_exercise_id()
    code = exercises.invite(
        DEMO_FACILITATOR, exercise_id, "ana", Role.REVIEWER, timedelta(hours=1)
    ).code
    before = _event_count(demo)
    app = make_app(
        demo.gateway, Actor(name="unauthenticated", role=Role.SUPERVISOR), join_code=True
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen)
        await pilot.press("enter")
        assert isinstance(app.screen, SignInScreen)  # a code is required
        await pilot.press(*"ana", "enter")  # a name is not a code
        await settle(app, pilot)
        assert isinstance(app.screen, SignInScreen)
        error = str(app.screen.query_one("#sign-in-error").render())
        assert "join code" in error
        await pilot.press(*code, "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseQueueScreen)
        await pilot.press("enter", "d", "3", *"too blurry", "enter")
        await settle(app, pilot)
    # The role is the code's, not the one the session was started with; the name tried
    # as a code is refused on record.
    with demo.store.reading() as session:
        events = AuditLog.events(session, limit=10_000)[before:]
    decided = [(e.actor, e.role) for e in events if e.event_type == "lead.decided"]
    assert decided == [("ana", "reviewer")]
    refused = [e.payload["reason"] for e in events if e.event_type == ExerciseEvent.INVITE_REFUSED]
    assert refused == ["no such join code"]  # "ana", tried as a code; the empty one never left
