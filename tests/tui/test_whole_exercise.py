"""A whole tabletop exercise, driven through the screens (issue 14): the facilitator and
four participants as separate app instances on one database, SQLite and PostgreSQL.

The facilitator (the principal `leadreview tui` resolves: the OS user on SQLite, the
login on PostgreSQL) starts the exercise from the console with a scenario file, issues a
join code with the CLI, assigns one case by hand and the rest round robin, extends the
clock by a typed number of minutes; a timed inject comes out on the exercise clock and a
conditional one when a lead of its case is forwarded. Two reviewers decide in their own
apps, a third in headless Chromium through `leadreview serve` with the join code; an
investigator's arrest request is refused on the lead alone, then granted with a
fingerprint. Then the reveal, the debrief, the hot wash (a participant answers, the
facilitator judges an expectation), the after-action package and the close. The screens
are checked at each step, and the rows and events at the end.
"""

import asyncio
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select
from textual.pilot import Pilot
from textual.widgets import Input, Select

from leadreview.audit.log import AuditLog
from leadreview.audit.models import AuditEvent
from leadreview.domain.enforcement import EvidenceKind
from leadreview.domain.roles import Actor, Role
from leadreview.exercise.permissions import clock_name
from leadreview.settings import load_settings
from leadreview.store.tables.exercise import (
    ExerciseAssignmentRow,
    ExerciseCaseRow,
    ExerciseInjectRow,
    ExerciseParticipantRow,
    ExerciseRow,
)
from leadreview.store.tables.workflow import (
    DecisionRow,
    EnforcementRequestRow,
    LeadRow,
    ReviewerRow,
)
from leadreview.tui.app import LeadReviewApp
from leadreview.tui.factory import Session, open_session
from leadreview.tui.screens.case_queue import CaseQueueScreen
from leadreview.tui.screens.case_review import CaseReviewScreen
from leadreview.tui.screens.confirm import ConfirmScreen
from leadreview.tui.screens.console import ConsoleScreen
from leadreview.tui.screens.debrief import DebriefScreen
from leadreview.tui.screens.decision import DecisionScreen
from leadreview.tui.screens.enforcement import EnforcementScreen
from leadreview.tui.screens.error import ErrorScreen
from leadreview.tui.screens.hotwash import HotwashScreen
from leadreview.tui.screens.scenario_pick import ScenarioPickScreen
from leadreview.tui.widgets.nav_table import NavTable
from tests.support.browser import (
    WINDOW,
    chromium_devtools,
    free_port,
    needs_chromium,
    start_serve,
    stop,
    wait_for_port,
)
from tests.support.cli import run
from tests.tui.conftest import SIZE, make_app, settle, sync

pytestmark = [pytest.mark.slow, needs_chromium]

PAT = Actor(name="pat", role=Role.REVIEWER)
RAE = Actor(name="rae", role=Role.REVIEWER)
INA = Actor(name="ina", role=Role.INVESTIGATOR)
BEA = "bea"  # the served participant: her name comes from the join code alone
BROWSER_DEADLINE = 150.0

SCENARIO = """\
name: whole-drill
title: "A whole drill"
sources: ["test scenario: every step of issue 14"]
world:
  seed: 14
  gallery_size: 2000
  group_mix: {white: 0.6, black: 0.2, hispanic: 0.2}
policy_in_force: wcso-practice
shadow_policies: [rekognition-default]
roles:
  - {role: reviewer, max: 4}
  - {role: investigator, max: 1}
assignment: round-robin
time_limits: {exercise_minutes: 30}
cases:
  - {id: theft-true-lead, offense: "theft of a bicycle", quality: cctv, source: "shed camera",
     mated: true, mate_rank: 1}
  - {id: garage-lookalike, offense: "burglary of a garage", quality: cctv,
     source: "door camera", mated: false}
  - {id: fuel-fraud, offense: "card fraud at a fuel station", quality: cctv,
     source: "pump camera", mated: false}
injects:
  - id: chief-call
    kind: pressure
    title: "The chief wants the bicycle thief today"
    sender: "Chief's office"
    text: "Just pick him up."
    release: {after_minutes: 0.1}
    cases: [theft-true-lead]
  - id: lineup
    kind: evidence
    title: "A line-up pick from the same video"
    sender: "Case detective"
    text: "The witness saw only the video."
    release: {when: lead_forwarded, case: theft-true-lead}
    cases: [theft-true-lead]
debrief_questions:
  - "What besides the Similarity made you forward a lead?"
objectives:
  - id: no-action-on-a-lead
    text: "No enforcement action rests on a face-search lead alone."
    capability: "Enforcement gate"
    expectations: [no-wrong-forwards, pressure-resisted]
expectations:
  - id: no-wrong-forwards
    text: "No lead of a wrong person is forwarded."
    check: no-wrong-person-forwarded
  - id: pressure-resisted
    text: "The chief's call is answered with the policy, not with an arrest."
    check: manual
    inject: chief-call
"""


def _session(database_url: str, role: Role) -> Session:
    """One app's own session, as `leadreview tui` builds it: its own store and gateway."""
    return open_session(load_settings(), database_url=database_url, role=role, demo=False)


def _text(app: LeadReviewApp, selector: str) -> str:
    if isinstance(app.screen, ErrorScreen):
        raise AssertionError(str(app.screen.query_one("#error-message").render()))
    return str(app.screen.query_one(selector).render())


def _events(session: Session, event_type: str) -> list[AuditEvent]:
    with session.store.reading() as reading:
        return AuditLog.events(reading, event_type=event_type, limit=100_000)


def _case_id(session: Session, case_key: str) -> int:
    with session.store.reading() as reading:
        return reading.exec(
            select(ExerciseCaseRow.case_id).where(col(ExerciseCaseRow.case_key) == case_key)
        ).one()


def _holder(session: Session, case_key: str) -> list[str]:
    with session.store.reading() as reading:
        return list(
            reading.exec(
                select(ExerciseParticipantRow.name)
                .join(
                    ExerciseAssignmentRow,
                    col(ExerciseAssignmentRow.participant_id) == col(ExerciseParticipantRow.id),
                )
                .join(
                    ExerciseCaseRow,
                    col(ExerciseCaseRow.id) == col(ExerciseAssignmentRow.exercise_case_id),
                )
                .where(col(ExerciseCaseRow.case_key) == case_key)
            ).all()
        )


def _decisions(session: Session) -> list[tuple[str, int, str]]:
    with session.store.reading() as reading:
        rows = reading.exec(
            select(ReviewerRow.name, LeadRow.case_id, DecisionRow.kind)
            .join(ReviewerRow, col(ReviewerRow.id) == col(DecisionRow.reviewer_id))
            .join(LeadRow, col(LeadRow.id) == col(DecisionRow.lead_id))
            .order_by(col(DecisionRow.id))
        ).all()
        return [(name, case_id, kind) for name, case_id, kind in rows]


def _inject_row(table: NavTable, key: str) -> list[Any]:
    return list(table.get_row(key))


async def _console(app: LeadReviewApp, pilot: Pilot[None]) -> ConsoleScreen:
    await settle(app, pilot)
    await pilot.press("f")
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, ConsoleScreen)
    return screen


# --- the facilitator ---------------------------------------------------------------------


async def _start(fac: Session, scenario: Path) -> int:
    """n, the scenario file typed in the picker's box, Enter: started, nothing out yet."""
    app = make_app(fac.gateway, fac.actor, live_seconds=None)
    async with app.run_test(size=SIZE) as pilot:
        await _console(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, ScenarioPickScreen)
        await pilot.press("tab", *str(scenario), "enter")
        await settle(app, pilot)
        status = _text(app, "#console-status")
        assert "Exercise #" in status and "A whole drill — running" in status
        injects = app.screen.query_one("#inject-table", NavTable)
        assert _inject_row(injects, "chief-call")[3:5] == ["at 0.1 min", "—"]
        assert _inject_row(injects, "lineup")[3] == "when lead_forwarded:theft-true-lead"
    [started] = _events(fac, "exercise.started")
    assert started.actor == fac.actor.name
    return int(started.payload["exercise_id"])


async def _assign_and_extend(fac: Session, exercise_id: int) -> None:
    """The true-lead case to pat by hand, the rest round robin; 10 more minutes typed.
    By now the timed inject is out, released by the exercise clock (whichever read
    noticed it was due: a participant's board or this console's tick)."""
    app = make_app(fac.gateway, fac.actor, live_seconds=None)
    async with app.run_test(size=SIZE) as pilot:
        console = await _console(app, pilot)
        injects = console.query_one("#inject-table", NavTable)
        row = _inject_row(injects, "chief-call")
        assert row[4] != "—" and row[5] == clock_name(exercise_id), row
        assert _inject_row(injects, "lineup")[4] == "—"

        await pilot.press("m")
        await settle(app, pilot)
        from textual.widgets import OptionList

        cases = app.screen.query_one("#assign-cases", OptionList)
        people = app.screen.query_one("#assign-people", OptionList)
        ids = [cases.get_option_at_index(i).id for i in range(cases.option_count)]
        cases.highlighted = ids.index("theft-true-lead")
        await pilot.press("tab")
        names = [people.get_option_at_index(i).id for i in range(people.option_count)]
        assert set(names) == {PAT.name, RAE.name, BEA}  # reviewers; not the investigator
        people.highlighted = names.index(PAT.name)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen is console
        await pilot.press("a")
        await settle(app, pilot)
        board = console.query_one("#progress-table", NavTable)
        assert board.get_row(PAT.name)[2].startswith("theft-true-lead")
        assert all(board.get_row(n)[2] != "—" for n in (RAE.name, BEA))

        await pilot.press("plus", "1", "0", "enter")
        await settle(app, pilot)
        assert "of 40 min" in _text(app, "#progress-line")
    assert _holder(fac, "theft-true-lead") == [PAT.name]
    [extended] = _events(fac, "exercise.extended")
    assert extended.payload["minutes"] == 10.0 and extended.payload["exercise_minutes"] == 40.0


async def _conditional_inject_out(fac: Session, exercise_id: int) -> None:
    app = make_app(fac.gateway, fac.actor, live_seconds=None)
    async with app.run_test(size=SIZE) as pilot:
        console = await _console(app, pilot)
        row = _inject_row(console.query_one("#inject-table", NavTable), "lineup")
        assert row[4] != "—" and row[5] == clock_name(exercise_id), row
    released = {e.payload["inject_key"]: e for e in _events(fac, "exercise.inject_released")}
    assert released["lineup"].payload["trigger"] == "condition lead_forwarded:theft-true-lead"
    assert released["lineup"].auth == "system-clock"


async def _reveal_debrief_and_judge(fac: Session) -> None:
    """v and y: revealed; b: the debrief counts the enforcement requests; o: the
    facilitator judges the manual expectation with a note."""
    app = make_app(fac.gateway, fac.actor, live_seconds=None)
    async with app.run_test(size=SIZE) as pilot:
        await _console(app, pilot)
        await pilot.press("v")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(app, pilot)
        assert "revealed" in _text(app, "#console-status")
        await pilot.press("escape", "b")
        await settle(app, pilot)
        assert isinstance(app.screen, DebriefScreen)
        shown = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "A whole drill" in shown
        await pilot.press("escape", "o")
        await settle(app, pilot)
        assert isinstance(app.screen, HotwashScreen)
        table = app.screen.query_one("#expectation-table", NavTable)
        keys = [str(r.key.value) for r in table.ordered_rows]
        table.move_cursor(row=keys.index("pressure-resisted"))
        app.screen.query_one("#validation-note", Input).focus()
        await pilot.press(*"the arrest waited for the print", "ctrl+y")
        await settle(app, pilot)
        assert "✔ met" in " ".join(str(c) for c in table.get_row("pressure-resisted"))


async def _export_and_close(fac: Session) -> Path:
    from textual.message import Message
    from textual.notifications import Notify

    # Every notice as it is raised: on a busy machine one can expire (5 s) before it is read.
    notices: list[str] = []

    def hook(message: Message) -> None:
        if isinstance(message, Notify):
            notices.append(message.notification.message)

    app = make_app(fac.gateway, fac.actor, live_seconds=None)
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await _console(app, pilot)
        await pilot.press("w")
        await settle(app, pilot)
        written = [n for n in notices if "package written" in n]
        assert written, notices
        folder = Path(written[0].split(": ", 1)[1].split(" (")[0])
        await pilot.press("x", "y")
        await settle(app, pilot)
        assert "No exercise is running" in _text(app, "#console-status")
    return folder


# --- the participants in the terminal ----------------------------------------------------


async def _open_app(database_url: str, actor: Actor) -> None:
    """A participant opens the app: they join the running exercise."""
    mine = _session(database_url, actor.role)
    try:
        app = make_app(mine.gateway, actor, live_seconds=None)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert "Exercise #" in _text(app, "#exercise-panel")
    finally:
        mine.store.dispose()


async def _decide(
    database_url: str, actor: Actor, case_id: int, keys: tuple[str, ...], forward: bool
) -> str:
    """From the queue: the case, the top lead, d, the decision and its rationale; a
    forward is confirmed. The exercise panel's text afterwards (the injects out)."""
    mine = _session(database_url, actor.role)
    try:
        app = make_app(mine.gateway, actor, live_seconds=None)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            queue = app.screen
            assert isinstance(queue, CaseQueueScreen)
            table = queue.query_one("#case-table", NavTable)
            table.move_cursor(row=table.get_row_index(str(case_id)))
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, CaseReviewScreen)
            await pilot.press("d")
            assert isinstance(app.screen, DecisionScreen)
            await pilot.press(*keys, "enter")
            if forward:
                assert isinstance(app.screen, ConfirmScreen)
                await pilot.press("y")
            await settle(app, pilot)
            assert isinstance(app.screen, CaseReviewScreen)
            await pilot.press("escape")
            await settle(app, pilot)
            await pilot.press("r")
            await settle(app, pilot)
            return _text(app, "#exercise-panel")
    finally:
        mine.store.dispose()


async def _ask_for_an_arrest(database_url: str, case_id: int) -> None:
    """The investigator on the forwarded lead: refused on the lead alone, then granted
    with a fingerprint found independently."""
    mine = _session(database_url, INA.role)
    try:
        app = make_app(mine.gateway, INA, initial_case=case_id, live_seconds=None)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            review = app.screen
            assert isinstance(review, CaseReviewScreen)
            await pilot.press("e")
            await settle(app, pilot)
            assert isinstance(app.screen, EnforcementScreen)
            await pilot.press("enter", "ctrl+s")  # an arrest, no evidence cited
            await settle(app, pilot)
            assert app.screen is review
            await settle(app, pilot)
            assert "arrest request by ina: REFUSED" in _text(app, "#lead-info")
            await pilot.press("e")
            await settle(app, pilot)
            dialog = app.screen
            assert isinstance(dialog, EnforcementScreen)
            await pilot.press("enter")
            dialog.query_one("#evidence-kind", Select).value = EvidenceKind.FINGERPRINT
            dialog.query_one("#evidence-text", Input).focus()
            await pilot.press(*"latent print on the shed door", "enter", "ctrl+s")
            await settle(app, pilot)
            assert app.screen is review
            await settle(app, pilot)
            assert "arrest request by ina: granted" in _text(app, "#lead-info")
    finally:
        mine.store.dispose()


async def _answer_hotwash(database_url: str) -> None:
    mine = _session(database_url, PAT.role)
    try:
        app = make_app(mine.gateway, PAT, live_seconds=None)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("o")
            await settle(app, pilot)
            assert isinstance(app.screen, HotwashScreen)
            assert app.screen.query_one("#answer-1", Input).has_focus
            await pilot.press(*"the scar on the left hand", "ctrl+s")
            await settle(app, pilot)
    finally:
        mine.store.dispose()


# --- the participant in the browser ------------------------------------------------------


async def _screen(cdp: Any) -> str:
    return str(await cdp.evaluate("document.querySelector('.xterm-rows')?.innerText || ''"))


async def _until_shown(cdp: Any, text: str, end: float) -> str:
    while time.monotonic() < end:
        screen = await _screen(cdp)
        if text in screen:
            return screen
        await asyncio.sleep(0.3)
    raise TimeoutError(f"the served app never showed {text!r}: {await _screen(cdp)!r}")


async def _served_participant(
    url: str, debug_port: int, code: str, signed_in: asyncio.Event
) -> None:
    """Bea signs in with her code, waits (live view) until a case is assigned to her,
    opens it and rejects its top lead."""
    import aiohttp

    from tests.tui.cdp import page_session

    async with aiohttp.ClientSession() as http:
        cdp, ws = await page_session(http, debug_port)
        try:
            end = time.monotonic() + BROWSER_DEADLINE
            await cdp.call("Page.enable")
            await cdp.call("Page.navigate", url=url)
            await _until_shown(cdp, "join code", end)
            await cdp.evaluate("document.querySelector('.xterm-helper-textarea').focus()")
            await asyncio.sleep(1.0)
            await cdp.type(code)
            await cdp.press("enter")
            await _until_shown(cdp, "Case queue", end)
            signed_in.set()
            # Assigned while she waits: the queue reads again by itself.
            await _until_shown(cdp, "0/", end)
            await asyncio.sleep(1.0)
            await cdp.press("enter")
            await _until_shown(cdp, "Similarity", end)
            await asyncio.sleep(1.0)
            await cdp.press("d")
            await asyncio.sleep(1.0)
            await cdp.press("2")
            await asyncio.sleep(0.5)
            await cdp.type("different ears and chin")
            await cdp.press("enter")
            await _until_shown(cdp, "your decision: ✗ not a match", end)
        finally:
            await ws.close()


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "scenarios" / "whole-drill.yaml"
    path.parent.mkdir()
    path.write_text(SCENARIO)
    return path


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[int]:
    # No WebGL: xterm.js then draws with DOM rows, whose text can be read back.
    flags = ("--disable-webgl", "--disable-3d-apis", WINDOW)
    with chromium_devtools(tmp_path / "chromium", *flags) as port:
        yield port


def _serve(database_url: str, tmp_path: Path) -> tuple[subprocess.Popen[bytes], int, Any]:
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    process = start_serve(database_url, port, log, "--host", "127.0.0.1")
    wait_for_port(port, process)
    return process, port, log


def _invite(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str) -> str:
    """The facilitator issues Bea's join code with the CLI (the same principal)."""
    monkeypatch.setenv("LEADREVIEW_DATABASE_URL", url)
    result = run(capsys, "exercise", "invite", BEA, "--role", "reviewer", "--expires", "1h")
    monkeypatch.delenv("LEADREVIEW_DATABASE_URL")
    assert result.code == 0, result.err
    return result.out.rsplit("join code (shown only now): ", 1)[1].strip()


@sync
async def test_a_whole_exercise_through_the_screens(
    isolated_home: Path,
    database_url: str,
    scenario: Path,
    chromium: int,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fac = _session(database_url, Role.FACILITATOR)
    server = None
    logs: list[Any] = []
    try:
        exercise_id = await _start(fac, scenario)
        for person in (PAT, RAE, INA):
            await _open_app(database_url, person)
        code = _invite(capsys, monkeypatch, database_url)
        server, port, log = _serve(database_url, tmp_path)
        logs.append(log)
        signed_in = asyncio.Event()
        browser = asyncio.create_task(
            _served_participant(f"http://127.0.0.1:{port}/", chromium, code, signed_in)
        )
        waiting = asyncio.create_task(signed_in.wait())
        await asyncio.wait({browser, waiting}, return_when=asyncio.FIRST_COMPLETED)
        if browser.done():
            browser.result()  # her session ended before she was in: say why
        await _assign_and_extend(fac, exercise_id)
        await browser  # Bea's decision, made in the browser

        true_case = _case_id(fac, "theft-true-lead")
        panel = await _decide(database_url, PAT, true_case, ("1", *"same scar on the hand"), True)
        assert "A line-up pick from the same video" in panel  # the conditional inject
        assert "The chief wants the bicycle thief today" in panel  # the timed one
        await _conditional_inject_out(fac, exercise_id)
        [rae_case] = [c for c in ("garage-lookalike", "fuel-fraud") if RAE.name in _holder(fac, c)][
            :1
        ]
        await _decide(
            database_url, RAE, _case_id(fac, rae_case), ("2", *"different ear shape"), False
        )
        await _ask_for_an_arrest(database_url, true_case)
        await _reveal_debrief_and_judge(fac)
        await _answer_hotwash(database_url)
        folder = await _export_and_close(fac)
        _assert_on_record(fac, exercise_id, folder, true_case)
    finally:
        if server is not None:
            stop(server)
        for log in logs:
            log.close()
        fac.store.dispose()


def _assert_on_record(fac: Session, exercise_id: int, folder: Path, true_case: int) -> None:
    with fac.store.reading() as reading:
        exercise = reading.exec(select(ExerciseRow)).one()
        assert exercise.status == "closed"
        seats = {(p.name, p.role) for p in reading.exec(select(ExerciseParticipantRow)).all()}
        assert seats == {
            ("pat", "reviewer"), ("rae", "reviewer"), ("bea", "reviewer"), ("ina", "investigator")
        }  # fmt: skip
        out = {r.inject_key: r.released_by for r in reading.exec(select(ExerciseInjectRow))}
        assert out == {"chief-call": clock_name(exercise_id), "lineup": clock_name(exercise_id)}
        asked = reading.exec(
            select(EnforcementRequestRow).order_by(col(EnforcementRequestRow.id))
        ).all()
        assert [(r.kind, r.granted) for r in asked] == [("arrest", False), ("arrest", True)]
    decided = _decisions(fac)
    assert (PAT.name, true_case, "possible-lead") in decided
    assert {name for name, _, _ in decided} == {PAT.name, RAE.name, BEA}
    [bea] = [e for e in _events(fac, "lead.decided") if e.actor == BEA]
    assert bea.auth == "join-code"
    [answered] = _events(fac, "exercise.hotwash_answered")
    assert (answered.actor, answered.payload["answer"]) == (PAT.name, "the scar on the left hand")
    [judged] = _events(fac, "exercise.expectation_validated")
    assert (judged.actor, judged.payload["expectation"], judged.payload["met"]) == (
        fac.actor.name,
        "pressure-resisted",
        True,
    )
    report = (folder / "aar.md").read_text()
    assert (folder / "aar.html").is_file() and (folder / "report.html").is_file()
    for heading in ("## 3. Analysis by objective", "### Enforcement requests", "## 6. Hot wash"):
        assert heading in report
    assert "the scar on the left hand" in report and "pressure-resisted" in report
    assert fac.gateway.verify_audit(fac.actor).ok
