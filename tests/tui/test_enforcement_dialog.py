"""An investigator asks for an arrest from the app: on the lead alone the gate refuses,
on screen and on record; with a fingerprint found independently it grants. Real services,
both backends; the rows and the audit events are checked, not only the screen."""

from sqlmodel import col, select
from textual.widgets import Input, Select

from leadreview.audit.log import AuditLog
from leadreview.domain.decision import DecisionKind
from leadreview.domain.enforcement import EvidenceKind
from leadreview.domain.roles import Actor, Role
from leadreview.exercise.service import ExerciseService
from leadreview.store.tables.workflow import EnforcementRequestRow
from leadreview.tui.factory import Session
from leadreview.tui.screens.case_review import CaseReviewScreen
from leadreview.tui.screens.enforcement import EnforcementScreen
from tests.tui.conftest import RAE, SIZE, make_app, settle, sync

INA = Actor(name="ina", role=Role.INVESTIGATOR)


def _forwarded_lead(real: Session) -> tuple[int, int]:
    """Rae forwards the top lead of the demo's first case: (case id, lead id)."""
    real.gateway.list_cases(RAE)  # the demo's exercise starts on first use
    exercises = ExerciseService(real.gateway.workflow.ctx)
    exercise_id = exercises.current_exercise_id()
    exercises.join(RAE, exercise_id)
    case = exercises.board(RAE, exercise_id).cases[0]
    lead_id = case.pending_leads[0]
    lead = exercises.decide(
        RAE, exercise_id, lead_id, DecisionKind.POSSIBLE_LEAD, "same scar, same ears, same nose"
    )
    assert lead.status.value == "forwarded"
    return case.case_id, lead_id


def _notes(app: object) -> list[tuple[str, str]]:
    return [(n.title, n.message) for n in app._notifications]  # type: ignore[attr-defined]


def _requests(real: Session) -> list[tuple[str, bool]]:
    with real.store.reading() as session:
        rows = session.exec(select(EnforcementRequestRow).order_by(col(EnforcementRequestRow.id)))
        return [(r.kind, r.granted) for r in rows.all()]


@sync
async def test_refused_on_the_lead_alone_then_granted_with_a_fingerprint(real: Session) -> None:
    case_id, lead_id = _forwarded_lead(real)
    app = make_app(real.gateway, INA, initial_case=case_id, live_seconds=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        review = app.screen
        assert isinstance(review, CaseReviewScreen)
        highlighted = review.highlighted_lead()
        assert highlighted is not None and highlighted.lead_id == lead_id

        # First: an arrest on the lead alone.
        await pilot.press("e")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, EnforcementScreen)
        await pilot.press("ctrl+s")  # nothing chosen: nothing is sent
        assert "choose what you ask for" in str(dialog.query_one("#enforcement-error").render())
        assert isinstance(app.screen, EnforcementScreen)
        await pilot.press("enter")  # the first kind, arrest
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is review
        assert _requests(real) == [("arrest", False)]
        assert any(t == "Enforcement request refused" for t, _ in _notes(app)), _notes(app)
        await settle(app, pilot)
        assert "arrest request by ina: REFUSED" in str(review.query_one("#lead-info").render())

        # Then: with a fingerprint found independently of the lead.
        await pilot.press("e")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, EnforcementScreen)
        await pilot.press("enter")
        dialog.query_one("#evidence-kind", Select).value = EvidenceKind.FINGERPRINT
        dialog.query_one("#evidence-text", Input).focus()
        await pilot.press(*"latent print on the display case", "enter")
        await settle(app, pilot)
        assert "1. fingerprint: latent print" in str(dialog.query_one("#evidence-items").render())
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.screen is review
        assert _requests(real) == [("arrest", False), ("arrest", True)]
        assert any(t == "Enforcement request granted" for t, _ in _notes(app)), _notes(app)
        await settle(app, pilot)
        assert "arrest request by ina: granted" in str(review.query_one("#lead-info").render())

    with real.store.reading() as session:
        events = AuditLog.events(session, limit=10_000)
    asked = [e for e in events if e.event_type.startswith("enforcement.")]
    assert [(e.event_type, e.actor, e.role) for e in asked] == [
        ("enforcement.refused", "ina", "investigator"),
        ("enforcement.granted", "ina", "investigator"),
    ]
    assert asked[1].payload["independent_evidence"] == ["fingerprint"]


@sync
async def test_a_reviewer_has_no_enforcement_key(real: Session) -> None:
    case_id, _ = _forwarded_lead(real)
    app = make_app(real.gateway, RAE, initial_case=case_id, live_seconds=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        assert not isinstance(app.screen, EnforcementScreen)
    assert _requests(real) == []
