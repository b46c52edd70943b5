"""The hostile participant in a served room: `leadreview serve` driven by headless
Chromium over the DevTools protocol. Used, revoked, expired and made-up join codes sign
nobody in (each refused on record); a name or role in the address changes nothing, and
the participant the code names is refused the facilitator's screens under that name; a
page of another origin cannot open the room's WebSocket; the page asks nothing of any
host but the room's own. The case-by-case table is in `test_hostile_participant.py`.

The terminal in the page may draw on a canvas, whose text the DOM does not hold, so each
step waits for what the audit log records rather than for what the screen shows.
"""

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from leadreview.audit.log import AuditLog
from leadreview.audit.models import AuditEvent
from leadreview.domain.roles import Actor, Role
from leadreview.exercise.service import ExerciseService
from leadreview.settings import load_settings
from leadreview.store.store import open_store
from leadreview.tui.factory import open_session
from tests.support.browser import WINDOW, chromium_devtools, needs_chromium
from tests.tui.conftest import FAY, seat_in_demo
from tests.tui.test_serve_browser import server

__all__ = ["server"]  # the served room, over this module's `database`

pytestmark = [pytest.mark.slow, needs_chromium]

ANA = Actor(name="ana", role=Role.REVIEWER)
DEADLINE = 90.0


@pytest.fixture
def database(isolated_home: Path, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """The room's database and the codes Fay issued: one good for Ana, one already used,
    one revoked and one that expires before the browser arrives."""
    url = f"sqlite:///{tmp_path / 'room.db'}"
    session = open_session(load_settings(), database_url=url, role=Role.SUPERVISOR)
    exercise_id = seat_in_demo(session.gateway, ANA)
    exercises = ExerciseService(session.gateway.workflow.ctx)

    def issue(expires_in: timedelta | None = timedelta(hours=1)) -> Any:
        return exercises.invite(FAY, exercise_id, ANA.name, ANA.role, expires_in)

    codes = {"good": issue().code, "used": issue().code}
    exercises.redeem_join_code(codes["used"])
    revoked = issue()
    exercises.revoke_invite(FAY, exercise_id, revoked.invite_id)
    codes["revoked"] = revoked.code
    codes["expired"] = issue(timedelta(seconds=1)).code
    session.store.dispose()
    time.sleep(1.5)  # the last code is out of date before anyone types it
    yield url, codes


def _events(url: str, event_type: str) -> list[AuditEvent]:
    store = open_store(url=url)
    try:
        with store.reading() as session:
            return AuditLog.events(session, event_type=event_type, limit=10_000)
    finally:
        store.dispose()


def _recorded(url: str, event_type: str, count: int) -> bool:
    return len(_events(url, event_type)) >= count


async def _until(what: Callable[[], bool], why: str) -> None:
    end = time.monotonic() + DEADLINE
    while not what():
        if time.monotonic() > end:
            raise TimeoutError(why)
        await asyncio.sleep(0.5)


async def _attempt_in_browser(room: int, stranger: int, debug_port: int,
                              url: str, codes: dict[str, str]) -> dict[str, Any]:  # fmt: skip
    import aiohttp

    from tests.tui.cdp import page_session

    async def in_page(cdp: Any, expression: str) -> Any:
        found = await cdp.call("Runtime.evaluate", expression=expression,
                               awaitPromise=True, returnByValue=True)  # fmt: skip
        return found.get("result", {}).get("value")

    ws_probe = (
        f"new Promise(done => {{ const ws = new WebSocket('ws://127.0.0.1:{room}/ws');"
        " ws.onopen = () => { ws.close(); done('open'); };"
        " ws.onerror = () => done('refused'); })"
    )
    seen: dict[str, Any] = {}
    async with aiohttp.ClientSession() as http:
        cdp, ws = await page_session(http, debug_port)
        try:
            await cdp.call("Page.enable")
            # A name and a role in the address: the served app asks for a code only.
            await cdp.call("Page.navigate",
                           url=f"http://127.0.0.1:{room}/?name=fay&role=facilitator")  # fmt: skip
            end = time.monotonic() + DEADLINE
            while not await cdp.evaluate("document.body?.classList.contains('-first-byte')"):
                if time.monotonic() > end:
                    raise TimeoutError("the served app never drew")
                await asyncio.sleep(0.3)
            await asyncio.sleep(4.0)  # the sign-in screen settles
            assert await cdp.evaluate(
                "(() => { const t = document.querySelector('.xterm-helper-textarea');"
                " if (t) { t.focus(); return true; } return false; })()"
            ), "no terminal on the page"
            for attempt, (label, code) in enumerate(
                (
                    ("used", codes["used"]),
                    ("revoked", codes["revoked"]),
                    ("expired", codes["expired"]),
                    ("a name", "fay"),
                ),
                start=1,
            ):
                await cdp.type(code)
                await cdp.press("enter")
                await _until(partial(_recorded, url, "exercise.invite_refused", attempt),
                             f"the {label} code was not refused on record")  # fmt: skip
            await cdp.type(codes["good"])
            await cdp.press("enter")
            await _until(partial(_recorded, url, "exercise.invite_used", 2),
                         "the good code did not sign in")  # fmt: skip
            await asyncio.sleep(4.0)  # the case queue settles
            # The facilitator's screens, pressed anyway by the participant.
            for attempt, key in enumerate(("f", "b", "a"), start=1):
                await cdp.press(key)
                await _until(partial(_recorded, url, "permission.refused", attempt),
                             f"`{key}` was not refused on record")  # fmt: skip
            seen["requests"] = json.loads(await cdp.evaluate(
                "JSON.stringify(performance.getEntriesByType('resource').map(e => e.name))"
            ))  # fmt: skip
            # The room's own page may open its WebSocket; another origin's may not.
            seen["same origin"] = await in_page(cdp, ws_probe)
            await cdp.call("Page.navigate", url=f"http://127.0.0.1:{stranger}/")
            await asyncio.sleep(2.0)
            seen["other origin"] = await in_page(cdp, ws_probe)
        finally:
            await ws.close()
    return seen


@pytest.fixture
def stranger(tmp_path: Path) -> Iterator[int]:
    """Another origin: a plain web server on another loopback port."""
    folder = tmp_path / "stranger"
    folder.mkdir()
    (folder / "index.html").write_text("<!doctype html><title>elsewhere</title>")
    handler = partial(SimpleHTTPRequestHandler, directory=str(folder))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield int(httpd.server_address[1])
    httpd.shutdown()
    httpd.server_close()


def test_a_hostile_participant_in_a_served_room(
    server: int, database: tuple[str, dict[str, str]], stranger: int, tmp_path: Path
) -> None:
    url, codes = database
    with chromium_devtools(tmp_path / "chromium", WINDOW) as debug_port:
        seen = asyncio.run(_attempt_in_browser(server, stranger, debug_port, url, codes))

    refused = _events(url, "exercise.invite_refused")
    assert [e.payload["reason"] for e in refused] == [
        "this join code was already used",
        "this join code was revoked",
        "this join code has expired",
        "no such join code",
    ]
    assert {(e.actor, e.auth) for e in refused} == {("unauthenticated", "join-code")}
    used = _events(url, "exercise.invite_used")[-1]
    assert (used.actor, used.role, used.auth) == ("ana", "reviewer", "join-code")

    # Signed in as Ana, whatever the address said: Ana is refused, on record, as Ana.
    denied = _events(url, "permission.refused")
    assert {(e.actor, e.role, e.auth) for e in denied} == {("ana", "reviewer", "join-code")}
    assert [e.payload["subject"] for e in denied] == [
        {"screen": "console"}, {"screen": "debrief"}, {"screen": "audit"}
    ]  # fmt: skip
    assert [e for e in _events(url, "exercise.revealed")] == []
    assert not [e for e in _events(url, "truth.viewed")]

    assert seen["same origin"] == "open"
    assert seen["other origin"] == "refused"
    room = f"http://127.0.0.1:{server}/"
    assert seen["requests"] and not [
        r for r in seen["requests"] if not r.startswith((room, "data:", "blob:"))
    ]
