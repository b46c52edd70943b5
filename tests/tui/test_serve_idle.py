"""An idle served session ends: headless Chromium signs in to `leadreview serve
--idle-timeout 15`, presses a key, then leaves the page alone. The session must stay open
while keys come, end about fifteen seconds after the last one with a line on the page that
says why, and be on record as `session.timed_out` under the signed-in name."""

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import WINDOW, chromium_devtools, needs_chromium, serving
from tests.tui.test_serve_browser import REVIEWER, _events, _wait_for, database

__all__ = ["database"]  # the fixture shared with the browser review test

pytestmark = [pytest.mark.slow, needs_chromium]

IDLE_SECONDS = 15
DEADLINE = 120.0


@pytest.fixture
def idle_server(database: tuple[str, str], tmp_path: Path) -> Iterator[int]:
    options = ("--idle-timeout", str(IDLE_SECONDS))
    with serving(database[0], tmp_path / "serve.log", *options) as port:
        yield port


async def _closed(cdp: Any) -> bool:
    return bool(await cdp.evaluate("document.body.classList.contains('-closed')"))


async def _sign_in_and_idle(url: str, debug_port: int, code: str) -> tuple[float, float, str]:
    """(seconds from the last key to the end, seconds the session lasted after sign-in
    with keys coming, the page's closing line)."""
    import aiohttp

    from tests.tui.cdp import page_session

    async with aiohttp.ClientSession() as http:
        cdp, ws = await page_session(http, debug_port)
        try:
            await cdp.call("Page.enable")
            await cdp.call("Page.navigate", url=url)
            end = time.monotonic() + DEADLINE
            await _wait_for(cdp, "join code", end)
            await cdp.evaluate("document.querySelector('.xterm-helper-textarea').focus()")
            await asyncio.sleep(1.0)
            await cdp.type(code)
            await cdp.press("enter")
            await _wait_for(cdp, "Case queue", end)
            # Keys every two seconds for longer than the timeout: the session stays.
            kept_from = last_key = time.monotonic()
            while time.monotonic() - kept_from < IDLE_SECONDS * 1.5:
                assert not await _closed(cdp), "closed although keys kept coming"
                await cdp.press("j")
                last_key = time.monotonic()
                await asyncio.sleep(2.0)
            kept = time.monotonic() - kept_from
            while not await _closed(cdp):
                assert time.monotonic() < end, "the idle session never ended"
                await asyncio.sleep(0.2)
            idle = time.monotonic() - last_key
            line = await cdp.evaluate("document.getElementById('session-ended')?.innerText || ''")
            return idle, kept, str(line)
        finally:
            await ws.close()


def test_an_idle_served_session_ends_on_record(
    idle_server: int, database: tuple[str, str], tmp_path: Path
) -> None:
    url_of_db, code = database
    with chromium_devtools(tmp_path / "chromium", WINDOW) as debug_port:
        url = f"http://127.0.0.1:{idle_server}/"
        idle, kept, line = asyncio.run(_sign_in_and_idle(url, debug_port, code))
    assert kept >= IDLE_SECONDS * 1.5
    # Not before the timeout; well within it plus the check interval and a slow machine.
    assert IDLE_SECONDS <= idle < IDLE_SECONDS + 30, idle
    assert f"no key or click for {IDLE_SECONDS} s" in line, line
    timed_out = [e for e in _events(url_of_db) if e.event_type == "session.timed_out"]
    assert len(timed_out) == 1
    (event,) = timed_out
    assert (event.actor, event.auth, event.role) == (REVIEWER, "join-code", "supervisor")
    assert event.payload == {"idle_seconds": IDLE_SECONDS}
