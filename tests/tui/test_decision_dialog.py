"""The decision dialog decides nothing for the reviewer (issue: accidental forwards).

Driven as a person would, on the real services: nothing preselected; a rationale of a
keystroke refused with the policy's reason; the keys the hint names do what it says
where the focus is; a forward needs a confirmation; a lead already decided is refused
before a rationale is written. Every assertion on the screen is matched by one on the
database rows.
"""

from sqlmodel import col, select

from leadreview.store.tables.workflow import DecisionRow
from leadreview.tui.factory import Session
from leadreview.tui.screens.case_review import CaseReviewScreen
from leadreview.tui.screens.confirm import ConfirmScreen
from leadreview.tui.screens.decision import CHOICE_HINT, TYPING_HINT, DecisionScreen
from leadreview.tui.widgets.nav_table import NavTable
from tests.tui.conftest import SAM, SIZE, make_app, seat_in_demo, settle, sync


def _decisions(real: Session, lead_id: int) -> list[tuple[str, str]]:
    with real.store.reading() as session:
        rows = session.exec(select(DecisionRow).where(col(DecisionRow.lead_id) == lead_id))
        return [(d.kind, d.rationale) for d in rows.all()]


def _text(screen: object, selector: str) -> str:
    return str(screen.query_one(selector).render())  # type: ignore[attr-defined]


@sync
async def test_the_dialog_decides_nothing_for_the_reviewer(real: Session) -> None:
    seat_in_demo(real.gateway, SAM)
    app = make_app(real.gateway, SAM)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        review = app.screen
        assert isinstance(review, CaseReviewScreen)
        lead = review.highlighted_lead()
        assert lead is not None

        await pilot.press("d")
        dialog = app.screen
        assert isinstance(dialog, DecisionScreen)
        assert dialog.chosen() is None  # nothing preselected
        assert "nothing yet" in _text(dialog, "#decision-chosen")
        assert _text(dialog, "#decision-hint") == CHOICE_HINT

        # Recording with no choice is refused, and the focus goes back to the choices.
        await pilot.press("ctrl+s")
        assert app.screen is dialog
        assert "no decision chosen" in _text(dialog, "#decision-error")

        # A one-keystroke rationale is refused with the policy's reason …
        await pilot.press("1", "x", "enter")
        assert app.screen is dialog
        error = _text(dialog, "#decision-error")
        assert "wcso-practice" in error and "at least 2 words" in error
        # … and with the focus in the rationale, the hint says digits are text, and they are.
        assert _text(dialog, "#decision-hint") == TYPING_HINT
        await pilot.press("2")
        assert dialog.chosen() is not None and dialog.chosen().value == "possible-lead"  # type: ignore[union-attr]
        assert dialog.query_one("#rationale").value == "x2"  # type: ignore[attr-defined]

        # Forwarding asks first; "no" records nothing and leaves the dialog open.
        await pilot.press("ctrl+u", *"same scar on the chin", "enter")
        assert isinstance(app.screen, ConfirmScreen)
        assert "never an identification" in _text(app.screen, "#confirm-message")
        await pilot.press("n")
        assert app.screen is dialog
        assert _decisions(real, lead.lead_id) == []

        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(app, pilot)
        assert app.screen is review
        assert _decisions(real, lead.lead_id) == [("possible-lead", "same scar on the chin")]

        # Deciding the same lead again is refused before a rationale is asked for.
        review.query_one("#lead-table", NavTable).move_cursor(row=0)
        await pilot.press("d")
        await settle(app, pilot)
        assert app.screen is review
        assert any(n.title == "Already decided" for n in app._notifications)
    assert len(_decisions(real, lead.lead_id)) == 1
