"""`leadreview serve` in a real browser: headless Chromium, driven over the DevTools
protocol, reviews one lead; the decision must reach the database.

Skipped (with the reason) when Chromium is not installed: `apt-get install chromium`.
"""

import asyncio
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlmodel import col, select

from leadreview.domain.roles import Actor, Role
from leadreview.settings import load_settings
from leadreview.store.tables.workflow import DecisionRow, ReviewerRow
from leadreview.tui.factory import open_session

if TYPE_CHECKING:
    from leadreview.audit.models import AuditEvent

from tests.support.browser import WINDOW, chromium_devtools, needs_chromium, serving
from tests.tui.conftest import FAY, seat_in_demo

pytestmark = [
    pytest.mark.slow,
    needs_chromium,
]

REVIEWER = "browser-sam"
DEADLINE = 90.0


@pytest.fixture
def database(isolated_home: Path, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The database URL and the one join code the facilitator issued for REVIEWER."""
    from leadreview.exercise.service import ExerciseService

    url = f"sqlite:///{tmp_path / 'served.db'}"
    # Open the store and the demo's cases before the server starts.
    session = open_session(load_settings(), database_url=url, role=Role.SUPERVISOR)
    # The reviewer takes part in the demo's exercise and is given every case.
    exercise_id = seat_in_demo(session.gateway, Actor(name=REVIEWER, role=Role.SUPERVISOR))
    exercises = ExerciseService(session.gateway.workflow.ctx)
    code = exercises.invite(FAY, exercise_id, REVIEWER, Role.SUPERVISOR, timedelta(hours=1)).code
    session.store.dispose()
    yield url, code


@pytest.fixture
def server(database: tuple[str, str], tmp_path: Path) -> Iterator[int]:
    with serving(database[0], tmp_path / "serve.log", "--host", "127.0.0.1") as port:
        yield port


def decisions_by(database: str, reviewer: str) -> list[tuple[str, str]]:
    from leadreview.store.store import open_store

    store = open_store(url=database)
    try:
        with store.reading() as session:
            rows = session.exec(
                select(DecisionRow.kind, DecisionRow.rationale)
                .join(ReviewerRow, col(ReviewerRow.id) == col(DecisionRow.reviewer_id))
                .where(col(ReviewerRow.name) == reviewer)
            ).all()
            return [(kind, rationale) for kind, rationale in rows]
    finally:
        store.dispose()


async def _screen(cdp: Any) -> str:
    return str(await cdp.evaluate("document.querySelector('.xterm-rows')?.innerText || ''"))


async def _wait_for(cdp: Any, text: str, end: float, *, settle: float = 5.0) -> str:
    """Until the terminal shows `text` (DOM renderer) or, failing that (a canvas shows
    no text), until the first byte has arrived and the app has had `settle` seconds."""
    first_byte_at: float | None = None
    while time.monotonic() < end:
        screen = await _screen(cdp)
        if text in screen:
            return screen
        started = await cdp.evaluate("document.body.classList.contains('-first-byte')")
        if started and first_byte_at is None:
            first_byte_at = time.monotonic()
        if first_byte_at is not None and time.monotonic() - first_byte_at > settle:
            return screen
        await asyncio.sleep(0.3)
    raise TimeoutError(f"the served app never showed {text!r}")


async def _review_in_browser(url: str, debug_port: int, database: str, code: str) -> str:
    import aiohttp

    from tests.tui.cdp import page_session

    async with aiohttp.ClientSession() as http:
        cdp, ws = await page_session(http, debug_port)
        try:
            await cdp.call("Page.enable")
            await cdp.call("Page.navigate", url=url)
            end = time.monotonic() + DEADLINE
            # The served session asks for a join code, never a name.
            await _wait_for(cdp, "join code", end)
            # xterm.js reads keys from its hidden textarea: give it the focus.
            focused = await cdp.evaluate(
                "(() => { const t = document.querySelector('.xterm-helper-textarea');"
                " if (t) { t.focus(); return true; } return false; })()"
            )
            assert focused, "no terminal on the page"
            await asyncio.sleep(1.0)
            await cdp.type("0000-not-a-code")
            await cdp.press("enter")
            await _wait_for(cdp, "no such join code", end)
            await cdp.type(code)
            await cdp.press("enter")
            screen = await _wait_for(cdp, "Case queue", end)
            await asyncio.sleep(1.0)
            await cdp.press("enter")  # open the newest case
            await asyncio.sleep(3.0)
            await cdp.press("j")  # the second lead
            await asyncio.sleep(1.0)
            await cdp.press("d")
            await asyncio.sleep(1.0)
            await cdp.press("2")  # not a match; focus moves to the rationale
            await asyncio.sleep(0.5)
            await cdp.type("checked in a browser")
            await cdp.press("enter")
            while time.monotonic() < end:
                if decisions_by(database, REVIEWER):
                    break
                await asyncio.sleep(0.5)
            return str(screen)
        finally:
            await ws.close()


def test_a_review_in_a_browser_reaches_the_database(
    server: int, database: tuple[str, str], tmp_path: Path
) -> None:
    """Signed in with the facilitator's join code (after a wrong one is refused), the
    browser's decision is recorded under the invited name, authenticated by the code."""
    url_of_db, code = database
    with chromium_devtools(tmp_path / "chromium", WINDOW) as debug_port:
        url = f"http://127.0.0.1:{server}/"
        asyncio.run(_review_in_browser(url, debug_port, url_of_db, code))
    assert decisions_by(url_of_db, REVIEWER) == [("not-a-match", "checked in a browser")]
    logged = {e.event_type: e for e in _events(url_of_db)}
    refused = logged["exercise.invite_refused"]
    assert (refused.actor, refused.auth, refused.payload["reason"]) == (
        "unauthenticated",
        "join-code",
        "no such join code",
    )
    used = logged["exercise.invite_used"]
    assert (used.actor, used.role, used.auth) == (REVIEWER, "supervisor", "join-code")
    decided = logged["lead.decided"]
    assert (decided.actor, decided.auth) == (REVIEWER, "join-code")


def _events(database: str) -> "list[AuditEvent]":
    from leadreview.audit.log import AuditLog
    from leadreview.store.store import open_store

    store = open_store(url=database)
    try:
        with store.reading() as session:
            return AuditLog.events(session, limit=100_000)
    finally:
        store.dispose()
