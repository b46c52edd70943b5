"""The idle timeout in the app itself (Pilot, real services on each backend): keys keep
the session open past the timeout; with none for the timeout it records
`session.timed_out` under the actor and exits. The served path, in a browser, is
`test_serve_idle.py`."""

import asyncio
import time

from leadreview.audit.log import AuditLog
from leadreview.tui.factory import Session
from tests.tui.conftest import SAM, make_app, settle, sync

IDLE_SECONDS = 5


def _timed_out(real: Session) -> list[tuple[str, str, object]]:
    with real.store.reading() as session:
        events = AuditLog.events(session, limit=100_000)
    return [
        (e.actor, e.role, e.payload.get("idle_seconds"))
        for e in events
        if e.event_type == "session.timed_out"
    ]


@sync
async def test_keys_keep_the_session_then_idleness_ends_it_on_record(real: Session) -> None:
    app = make_app(real.gateway, SAM, idle_seconds=IDLE_SECONDS, live_seconds=None)
    async with app.run_test(size=(120, 40)) as pilot:
        # Keys from the start (the first load may take longer than the timeout).
        kept_until = time.monotonic() + IDLE_SECONDS * 2
        while time.monotonic() < kept_until:
            await pilot.press("j")
            last_key = time.monotonic()  # the press has been handled
            await asyncio.sleep(0.5)
            assert app.is_running, "ended although keys kept coming"
        assert _timed_out(real) == []
        while app.is_running and time.monotonic() - last_key < IDLE_SECONDS + 20:
            await asyncio.sleep(0.1)
        assert not app.is_running, "the idle session never ended"
        assert time.monotonic() - last_key >= IDLE_SECONDS
    assert app.return_code == 0
    assert _timed_out(real) == [("sam", "supervisor", IDLE_SECONDS)]


@sync
async def test_without_a_timeout_an_idle_session_stays(real: Session) -> None:
    app = make_app(real.gateway, SAM, live_seconds=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await asyncio.sleep(1.5)
        assert app.is_running
    assert _timed_out(real) == []
