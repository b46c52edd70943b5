"""The facilitator's debrief on the real services: live progress, the reveal (asked first,
audited), the exercise's debrief, and the HTML report written on record. A reviewer
never gets there, and the refusal is in the log."""

import hashlib
from pathlib import Path

import pytest
from textual.message import Message

from leadreview.audit.log import AuditLog
from leadreview.audit.models import AuditEvent
from leadreview.domain.decision import DecisionKind
from leadreview.errors import PermissionRefused
from leadreview.exercise.service import ExerciseService
from leadreview.tui.factory import Session
from leadreview.tui.messages import ReportWritten
from leadreview.tui.screens.case_queue import CaseQueueScreen
from leadreview.tui.screens.confirm import ConfirmScreen
from leadreview.tui.screens.debrief import DebriefScreen
from leadreview.tui.screens.error import ErrorScreen
from leadreview.tui.widgets.nav_table import NavTable
from leadreview.tui.widgets.truth_tables import TruthTables
from tests.tui.conftest import FAY, RAE, SIZE, make_app, settle, sync
from tests.tui.fake_gateway import FakeGateway


def _events(real: Session, event_type: str) -> list[AuditEvent]:
    with real.store.reading() as session:
        return AuditLog.events(session, event_type=event_type, limit=10_000)


def _status(screen: object) -> str:
    return str(screen.query_one("#debrief-status").render())  # type: ignore[attr-defined]


def _rae_takes_part(real: Session) -> tuple[ExerciseService, int]:
    """Rae joins the demo exercise, is given cases and forwards one lead."""
    real.gateway.list_cases(FAY)  # opens the demo exercise on first use
    exercises = ExerciseService(real.gateway.workflow.ctx)
    exercise_id = exercises.current_exercise_id()
    exercises.join(RAE, exercise_id)
    exercises.assign(FAY, exercise_id)
    lead_id = exercises.board(RAE, exercise_id).cases[0].pending_leads[0]
    exercises.decide(RAE, exercise_id, lead_id, DecisionKind.POSSIBLE_LEAD, "same jawline")
    return exercises, exercise_id


def _assert_on_record(
    real: Session,
    exercises: ExerciseService,
    exercise_id: int,
    written: ReportWritten,
    home: Path,
) -> None:
    """The reveal and the report are in the log; the file holds the debrief's figures."""
    revealed = _events(real, "exercise.revealed")
    assert [(e.actor, e.payload["exercise_id"]) for e in revealed] == [(FAY.name, exercise_id)]

    path = Path(written.report.path)
    assert path.parent == home / "data" / "reports"
    assert path.name.startswith(f"debrief-exercise-{exercise_id}-")
    data = path.read_bytes()
    html = data.decode("utf-8")
    debrief = exercises.debrief(FAY, exercise_id)
    assert f"Exercise debrief — {debrief.exercise.title}" in html
    assert f"of {debrief.team.decisions} decisions" in html and debrief.team.decisions == 1
    assert debrief.truth_sha256[:16] in html
    assert revealed[0].payload["truth_sha256"] == debrief.truth_sha256
    assert "rae" in html

    reports = _events(real, "report.generated")
    assert len(reports) == 1
    assert reports[0].seq == written.report.event_seq
    assert reports[0].actor == FAY.name
    assert reports[0].payload["format"] == "exercise-debrief.html"
    assert reports[0].payload["destination"] == path.name
    assert reports[0].payload["output_sha256"] == hashlib.sha256(data).hexdigest()
    assert not list(path.parent.glob(".*.partial"))
    assert real.gateway.verify_audit(FAY).ok


@sync
async def test_facilitator_reveals_the_truth_and_writes_the_report(
    real: Session, isolated_home: Path
) -> None:
    exercises, exercise_id = _rae_takes_part(real)
    written: list[ReportWritten] = []

    def hook(message: Message) -> None:
        # The hook sees a message at each node it bubbles through: keep it once.
        if isinstance(message, ReportWritten) and all(m is not message for m in written):
            written.append(message)

    app = make_app(real.gateway, FAY)
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await settle(app, pilot)
        await pilot.press("b")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, DebriefScreen)
        # Before the reveal: progress only, the truth sealed.
        assert "sealed" in _status(screen)
        assert not screen.query_one(TruthTables).display
        progress = screen.query_one("#progress-table", NavTable)
        rae = progress.get_row("rae")
        assert rae[3] == "1"  # decisions made
        assert str(rae[4]).endswith("to go")  # and some still pending

        # Asked first; "no" changes nothing.
        await pilot.press("v")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(app, pilot)
        assert app.screen_stack[-1] is screen
        assert _events(real, "exercise.revealed") == []

        await pilot.press("v", "y")
        await settle(app, pilot)
        assert "ground truth revealed" in _status(screen)
        scores = screen.query_one("#exercise-scores", NavTable)
        names = [scores.get_row_at(i)[0] for i in range(scores.row_count)]
        assert names == ["rae", "team"]

        await pilot.press("w")
        await settle(app, pilot)
        shown = [n.message for n in app._notifications]
        assert any(written[0].report.path in m for m in shown)

    assert len(written) == 1
    _assert_on_record(real, exercises, exercise_id, written[0], isolated_home)


@sync
async def test_before_the_reveal_the_report_is_the_audit_report(real: Session) -> None:
    real.gateway.list_cases(FAY)
    report = real.gateway.write_debrief_report(FAY)
    assert report.kind == "audit report"
    assert "<html" in Path(report.path).read_text(encoding="utf-8").lower()
    [event] = _events(real, "report.generated")
    assert event.payload["format"] == "html" and event.payload["report"] == "audit"


@sync
async def test_a_reviewer_cannot_reach_the_debrief(real: Session) -> None:
    app = make_app(real.gateway, RAE)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("b")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseQueueScreen)
        # The key is refused by the service, on record, and the refusal is shown.
        assert any("may not exercise-debrief" in n.message for n in app._notifications)
        # Even if the screen is reached some other way, the service refuses and says so.
        app.push_screen(DebriefScreen())
        await settle(app, pilot)
        assert isinstance(app.screen, ErrorScreen)
        assert "may not" in str(app.screen.query_one("#error-message").render())

    with pytest.raises(PermissionRefused):
        real.gateway.write_debrief_report(RAE)
    refused = [
        e for e in _events(real, "permission.refused") if e.payload["action"] == "exercise-debrief"
    ]
    assert [e.actor for e in refused] == [RAE.name, RAE.name, RAE.name]
    assert _events(real, "report.generated") == []
    assert _events(real, "exercise.revealed") == []


@sync
async def test_without_an_exercise_the_report_comes_from_the_fallback(tmp_path: Path) -> None:
    fake = FakeGateway(report_dir=tmp_path / "reports")
    app = make_app(fake, FAY)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("b")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, DebriefScreen)
        assert "No exercise" in _status(screen)
        assert screen.query_one(TruthTables).display
        await pilot.press("v")  # nothing to reveal: the key is not offered
        assert app.screen is screen
        await pilot.press("w")
        await settle(app, pilot)
    assert [p.name for p in (tmp_path / "reports").iterdir()] == ["audit-report-1.html"]
    assert [e.event_type for e in fake.events] == ["report.generated"]
