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
