"""The hostile participant in the terminal app (Pilot), built the way `leadreview tui`
builds it (`build_app`), on a real SQLite store, as the operating-system user in the
reviewer's role: each thing the issue says a participant could do is refused on screen
and by the service, with a `permission.refused` event naming the real principal.

Issue 11, "What a participant can do today", case by case: which test refuses it where
(CLI: the real entry point; TUI: Pilot, this file unless named; served: `serve` in
headless Chromium, tui/test_hostile_serve.py unless named; "-": no such path there).

- reveal / assign / inject / close in someone else's name (`--as`)
    CLI     cli/test_hostile_logins (as PostgreSQL logins); cli/test_principals
            (another facilitator, through the services)
    TUI     facilitator_screens (no console: `f` refused on record); console_steps (the
            services refuse each step even if the console is reached)
    served  the served app is the TUI: `f` refused for a join-code principal
- export (the exercise package, the audit log)
    CLI     cli/test_hostile_logins; audit/test_audit_cli_hostile
    TUI     console_steps (`w`); facilitator_screens (audit not in the palette, `a`
            refused on record)
    served  `a` refused
- `exercise decide --name Ben` typed by Cy
    CLI     cli/test_principals (no name option: the OS user or the login decides)
    TUI     board_and_case_keys (another's case refused); tui/test_exercise_participant
    served  the page takes no name: `?name=`/`?role=` change nothing, the code decides
- `tui --role facilitator --reviewer X`; the browser sign-in takes any name
    CLI     cli/test_hostile_logins (a role not granted: exit 3)
    TUI     facilitator_screens (`b`, `f`); tui/test_join_code (a code signs in once)
    served  bad, used, revoked and expired codes refused; tui/test_serve_browser
- `audit show --as eve --role auditor`
    CLI     cli/test_principals (db grant/revoke); cli/test_hostile_logins
    TUI     facilitator_screens (`a` refused on record)
    served  `a` refused
- `probe render --reveal`, `scenario show` print the ground truth
    CLI     cli/test_sealed_truth; cli/test_hostile_logins
    TUI     -   served  -
- case keys on the participants' board give the answer away
    CLI     cli/test_sealed_truth (bundled keys; the board shows case numbers)
    TUI     board_and_case_keys (queue, panel and case screen)
    served  the same screens
- `exercise close` without a reveal, then `exercise debrief`
    CLI     cli/test_sealed_truth
    TUI     facilitator_screens (`b` refused, the hot wash sealed);
            tui/test_debrief_report
    served  `b` refused
- `case open --role investigator --in-force evil`
    CLI     cli/test_principals (an investigator cannot set the policy in force)
    TUI     console_steps (starting an exercise, which sets its policy, is refused;
            the app offers no other way to choose a policy)
    served  -
- a timed inject credited to whoever ran `exercise status`
    CLI     cli/test_principals (the clock releases); TUI tui/test_console_clock
- `leadreview_app` cannot run; a forged `lead.decided`; UPDATE of working rows
    CLI     cli/test_postgres_logins (psql-level SQL as a reviewer login)
- working rows never compared with the log; an edited policy file
    CLI     cli/test_rows_against_log
- the SQLite database world-readable
    CLI     store/test_store_permissions (file, WAL, SHM and folders owner-only; an
            old 0644 file narrowed)
- `serve` takes a WebSocket from any Origin; fonts from the internet
    served  cross-origin page refused, here; tui/test_serve_guards (the handshake,
            loopback only, no request leaves 127.0.0.1)
"""

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from textual.pilot import Pilot

from leadreview.audit.log import AuditLog, os_login
from leadreview.audit.models import AuditEvent
from leadreview.domain.roles import Actor, Role
from leadreview.exercise.scenario import Assignment
from leadreview.exercise.service import ExerciseService
from leadreview.settings import load_settings
from leadreview.store.store import Store
from leadreview.tui.app import LeadReviewApp
from leadreview.tui.commands import LeadReviewCommands
from leadreview.tui.demo import DemoWorld
from leadreview.tui.factory import open_session
from leadreview.tui.read_models import ExerciseState
from leadreview.tui.screens.case_queue import CaseQueueScreen
from leadreview.tui.screens.case_review import CaseReviewScreen
from leadreview.tui.screens.console import ConsoleScreen
from leadreview.tui.screens.error import ErrorScreen
from leadreview.tui.screens.hotwash import NOT_YET
from tests.tui.conftest import FAY, RAE, SIZE, settle, sync

# What a case key or a screen must not show a participant before the reveal.
TRUTH_WORDS = ("mated", "mate rank", "ground truth:", "true-lead", "lookalike", "not-in-gallery")


@dataclass(frozen=True)
class Room:
    """A SQLite store where Fay runs the demo's exercise (round robin) with Rae seated."""

    url: str
    store: Store
    exercises: ExerciseService
    exercise_id: int

    def events(self, event_type: str) -> list[AuditEvent]:
        with self.store.reading() as session:
            return AuditLog.events(session, event_type=event_type, limit=10_000)

    def case_keys(self) -> dict[int, str]:
        with self.store.reading() as session:
            rows = session.connection().exec_driver_sql(
                "SELECT case_id, case_key FROM exercise_case"
            )
            return {int(case_id): str(key) for case_id, key in rows}


@pytest.fixture
def room(isolated_home: Path, tmp_path: Path) -> Iterator[Room]:
    url = f"sqlite:///{tmp_path / 'room.db'}"
    session = open_session(load_settings(), database_url=url, role=Role.FACILITATOR,
                           seed_demo=False)  # fmt: skip
    demo = session.demo
    assert isinstance(demo, DemoWorld)
    world = demo.world
    scenario = world.exercise.scenario.model_copy(update={"assignment": Assignment.ROUND_ROBIN})
    loaded = dataclasses.replace(world.exercise, scenario=scenario)
    exercises = ExerciseService(session.gateway.workflow.ctx)
    exercise_id = exercises.start(FAY, dataclasses.replace(world, exercise=loaded)).exercise_id
    exercises.join(RAE, exercise_id)
    yield Room(url, session.store, exercises, exercise_id)
    session.store.dispose()


def participant_app(room: Room) -> LeadReviewApp:
    """The app as `leadreview tui --role reviewer` makes it: the principal is whoever runs
    the process (the OS user on SQLite), no name given anywhere."""
    from leadreview.cli.tui_cmd import build_app

    app = build_app(role=Role.REVIEWER, database=room.url)
    app.cursor_blink = False
    return app


def refusals(room: Room) -> list[AuditEvent]:
    return room.events("permission.refused")


def assert_the_real_principal(refused: list[AuditEvent]) -> None:
    assert refused
    assert {(e.actor, e.role, e.auth) for e in refused} == {(os_login(), "reviewer", "os-user")}


def notifications(app: LeadReviewApp) -> list[str]:
    return [n.message for n in app._notifications]


async def dismiss_errors(app: LeadReviewApp, pilot: Pilot[None]) -> list[str]:
    """The error modals on top, each's one line, closed."""
    lines = []
    while isinstance(app.screen, ErrorScreen):
        lines.append(str(app.screen.query_one("#error-message").render()))
        await pilot.press("escape")
        await settle(app, pilot)
    return lines


@sync
async def test_a_participant_is_refused_the_facilitator_s_screens_on_record(room: Room) -> None:
    app = participant_app(room)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, CaseQueueScreen)
        assert app.actor == Actor(name=os_login(), role=Role.REVIEWER)
        # Not offered: neither in the footer nor in the command palette.
        shown = {a.binding.description for a in app.screen.active_bindings.values()
                 if a.binding.show}  # fmt: skip
        assert not shown & {"Debrief", "Console", "Audit"}
        palette = [hit.text async for hit in LeadReviewCommands(app.screen).discover()]
        assert palette and not [t for t in palette if "audit" in str(t) or "debrief" in str(t)]

        # Pressed anyway: each refused on screen by the service, the queue stays.
        before = len(refusals(room))
        for key in ("b", "f", "a"):
            await pilot.press(key)
            await settle(app, pilot)
            assert isinstance(app.screen, CaseQueueScreen)
        said = [m for m in notifications(app) if "may not" in m]
        assert len(said) == 3 and all(os_login() in m for m in said), notifications(app)

        # The hot wash, the only after-the-reveal screen a participant has, stays sealed.
        await pilot.press("o")
        await settle(app, pilot)
        text = app.export_screenshot()
        assert "hot wash opens once" in text.replace("&#160;", " ")
        assert not [w for w in TRUTH_WORDS if w in text]

    refused = refusals(room)[before:]
    assert_the_real_principal(refused)
    assert [(e.payload["action"], e.payload["subject"]) for e in refused] == [
        ("exercise-debrief", {"screen": "debrief"}),
        ("exercise-debrief", {"screen": "console"}),
        ("view-audit", {"screen": "audit"}),
    ]
    assert NOT_YET.startswith("The hot wash opens once")
    assert room.events("exercise.revealed") == []


@sync
async def test_the_console_s_steps_are_refused_by_the_services_if_reached(room: Room) -> None:
    """Were a participant to reach the console (a hole in the app), every step it takes
    goes to a service that refuses it on record: nothing is revealed, assigned, released,
    exported, closed or started (an exercise's start sets its policy in force)."""
    app = participant_app(room)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        before = len(refusals(room))
        console = ConsoleScreen(poll_seconds=3600)
        app.push_screen(console)
        await settle(app, pilot)
        loading = await dismiss_errors(app, pilot)
        # Refused each time it loads (the live view reads again when the log moves).
        assert loading and all("may not exercise-debrief" in line for line in loading)
        assert app.screen is console and console.exercise is None

        # As if it had loaded: the keys now on offer go to the services. Each step's
        # refusal is one line in an error modal, closed before the next.
        exercise_id = room.exercise_id
        running = ExerciseState(exercise_id=exercise_id, title="t", status="running")
        revealed = ExerciseState(exercise_id=exercise_id, title="t", status="revealed")
        lines: list[str] = []
        steps: tuple[tuple[ExerciseState | None, tuple[str, ...] | Callable[[], object]], ...] = (
            (running, ("a",)),  # assign round robin
            (running, ("v", "y")),  # reveal, confirmed
            (running, lambda: console.release(exercise_id, "press-inquiry")),
            (revealed, ("w",)),  # export the after-action package
            (revealed, ("x", "y")),  # close, confirmed
            (None, lambda: console.start("two-reviewers")),  # sets its policy in force
        )
        for state, step in steps:
            console.exercise = state
            console.refresh_bindings()
            if callable(step):
                step()
            else:
                await pilot.press(*step)
            await settle(app, pilot)
            lines += await dismiss_errors(app, pilot)

    actions = ["exercise-assign", "exercise-reveal", "exercise-inject", "exercise-export",
               "exercise-close", "exercise-start"]  # fmt: skip
    lines = [line for line in lines if "exercise-debrief" not in line]  # reloads
    assert len(lines) == len(actions), lines
    for line, action in zip(lines, actions, strict=True):
        assert f"may not {action}" in line and "\n" not in line.strip(), line
    refused = refusals(room)[before:]
    assert_the_real_principal(refused)
    loads = [e for e in refused if e.payload["action"] == "exercise-debrief"]
    assert loads and {str(e.payload["subject"]) for e in loads} == {"{'screen': 'console'}"}
    assert [e.payload["action"] for e in refused if e not in loads] == actions
    for event_type in ("exercise.revealed", "exercise.closed", "exercise.exported",
                       "exercise.inject_released", "exercise.assigned"):  # fmt: skip
        assert [e for e in room.events(event_type) if e.actor == os_login()] == []
    assert len(room.events("exercise.started")) == 1  # Fay's only


@sync
async def test_the_board_and_case_keys_give_no_truth_and_another_s_case_is_refused(
    room: Room,
) -> None:
    app = participant_app(room)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)  # joined: the facilitator assigns now
        made = room.exercises.assign(FAY, room.exercise_id)
        await pilot.press("r")
        await settle(app, pilot)
        mine = {a.case_id for a in made if a.participant == os_login()}
        theirs = next(a.case_id for a in made if a.participant == RAE.name)
        assert mine and theirs not in mine
        assert {c.case_id for c in app.cases} == mine  # the queue: only their cases
        keys = room.case_keys()
        board = app.export_screenshot()
        assert not [k for k in keys.values() if k in board]
        assert not [w for w in TRUTH_WORDS if w in board]

        # Another participant's case, reached by its number (`Go to case`, `--case`).
        app.open_case(theirs)
        await settle(app, pilot)
        assert isinstance(app.screen, CaseReviewScreen)
        review = app.export_screenshot()
        assert keys[theirs] not in review and not [w for w in TRUTH_WORDS if w in review]
        lead = app.screen.highlighted_lead()
        assert lead is not None
        await pilot.press("d", "1", *"same chin", "enter", "y")
        await settle(app, pilot)
        assert any("not assigned to" in m for m in notifications(app)), notifications(app)

    refused = [e for e in refusals(room) if e.payload["action"] == "exercise-decide"]
    assert_the_real_principal(refused)
    assert refused[0].payload["subject"] == {"exercise_id": room.exercise_id,
                                             "lead_id": lead.lead_id}  # fmt: skip
    assert [e for e in room.events("lead.decided") if e.actor == os_login()] == []
