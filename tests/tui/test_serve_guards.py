"""`leadreview serve` as a hostile page or a room without internet would meet it: a
WebSocket from another origin is refused, the page loads nothing from another origin
(checked in headless Chromium), and the server listens on loopback unless told otherwise,
saying so when it is told."""

import asyncio
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from tests.support.browser import (
    chromium_devtools,
    free_port,
    needs_chromium,
    start_serve,
    stop,
    wait_for_port,
)
from tests.tui.test_serve_browser import database, server

__all__ = ["database", "server"]  # fixtures shared with the browser review test

pytestmark = [pytest.mark.slow]


async def _handshake(port: int, origin: str | None) -> int:
    headers = {} if origin is None else {"Origin": origin}
    async with aiohttp.ClientSession() as http:
        try:
            ws = await http.ws_connect(f"ws://127.0.0.1:{port}/ws", headers=headers)
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status
        await ws.close()
        return 101


def test_a_websocket_from_another_origin_is_refused(server: int) -> None:
    assert asyncio.run(_handshake(server, "http://evil.example")) == 403
    assert asyncio.run(_handshake(server, f"http://127.0.0.1:{server + 1}")) == 403
    assert asyncio.run(_handshake(server, None)) == 403
    assert asyncio.run(_handshake(server, f"http://127.0.0.1:{server}")) == 101


def _listening_addresses(port: int) -> set[str]:
    """Local addresses (hex, as /proc/net shows them) of sockets listening on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, state = fields[1], fields[3]
            if state == "0A" and int(address.rsplit(":", 1)[1], 16) == port:
                found.add(address.rsplit(":", 1)[0])
    return found


@pytest.fixture
def serve_process(database: tuple[str, str], tmp_path: Path) -> Iterator[object]:
    started: list[subprocess.Popen[bytes]] = []

    def start(*host: str) -> tuple[subprocess.Popen[bytes], int, Path]:
        port = free_port()
        log = tmp_path / f"serve-{port}.log"
        with log.open("wb") as output:  # the child keeps its own handle
            started.append(start_serve(database[0], port, output, *host))
        return started[-1], port, log

    yield start
    for process in started:
        stop(process)


def test_serve_listens_on_loopback_unless_told_and_says_so_when_told(
    serve_process: object,
) -> None:
    process, port, log = serve_process()  # type: ignore[operator]
    wait_for_port(port, process)
    assert _listening_addresses(port) == {"0100007F"}  # 127.0.0.1 only
    assert "reachable from other machines" not in log.read_text()

    process, port, log = serve_process("--host", "0.0.0.0")  # type: ignore[operator]
    end = time.monotonic() + 60
    while "reachable from other machines" not in log.read_text() and time.monotonic() < end:
        time.sleep(0.2)
    assert "serving on 0.0.0.0" in log.read_text()


async def _page_resources(url: str, debug_port: int) -> tuple[list[str], bool, str]:
    from tests.tui.cdp import page_session

    async with aiohttp.ClientSession() as http:
        cdp, ws = await page_session(http, debug_port)
        try:
            await cdp.call("Page.enable")
            await cdp.call("Page.navigate", url=url)
            end = time.monotonic() + 60
            while time.monotonic() < end:
                if await cdp.evaluate("document.body?.classList.contains('-first-byte')"):
                    break
                await asyncio.sleep(0.3)
            await asyncio.sleep(2.0)
            await cdp.evaluate("document.fonts.ready.then(() => true)")
            names = await cdp.evaluate(
                "JSON.stringify(performance.getEntriesByType('resource').map(e => e.name)"
                ".concat([...document.querySelectorAll('link[href],script[src],img[src]')]"
                ".map(e => e.href || e.src)))"
            )
            font = await cdp.evaluate(
                "[...document.fonts].some(f => f.family.includes('Roboto Mono')"
                " && f.status === 'loaded')"
            )
            screen = await cdp.evaluate("document.querySelector('.xterm-rows')?.innerText || ''")
            import json

            return list(json.loads(names)), bool(font), str(screen)
        finally:
            await ws.close()


@needs_chromium
def test_the_page_loads_nothing_from_the_internet(server: int, tmp_path: Path) -> None:
    origin = f"http://127.0.0.1:{server}"
    with chromium_devtools(tmp_path / "chromium") as debug_port:
        names, font_loaded, _screen = asyncio.run(_page_resources(origin + "/", debug_port))
    assert names, "the page loaded no resources at all"
    foreign = [n for n in names if not n.startswith((origin + "/", "data:", "blob:"))]
    assert foreign == []
    assert any("/static/fonts/RobotoMono" in n for n in names)
    assert font_loaded
