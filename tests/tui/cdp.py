"""A minimal Chrome DevTools Protocol client over aiohttp's websocket: enough to open a
page, read it, and type into it."""

import asyncio
import itertools
import json
from typing import Any

import aiohttp

SPECIAL_KEYS = {
    "enter": {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r"},
    "escape": {"key": "Escape", "code": "Escape", "windowsVirtualKeyCode": 27},
    "down": {"key": "ArrowDown", "code": "ArrowDown", "windowsVirtualKeyCode": 40},
    "up": {"key": "ArrowUp", "code": "ArrowUp", "windowsVirtualKeyCode": 38},
}


class CDPSession:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._ids = itertools.count(1)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        message_id = next(self._ids)
        await self._ws.send_str(json.dumps({"id": message_id, "method": method, "params": params}))
        while True:
            reply = json.loads(await asyncio.wait_for(self._ws.receive_str(), 30))
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    async def press(self, key: str) -> None:
        spec = SPECIAL_KEYS.get(key) or {"key": key, "text": key, "unmodifiedText": key}
        await self.call("Input.dispatchKeyEvent", type="keyDown", **spec)
        await self.call("Input.dispatchKeyEvent", type="keyUp", **spec)
        await asyncio.sleep(0.05)

    async def type(self, text: str) -> None:
        for char in text:
            await self.press(char)


async def page_session(
    http: aiohttp.ClientSession, debug_port: int
) -> tuple[CDPSession, aiohttp.ClientWebSocketResponse]:
    """A session on the browser's first page target."""
    for _ in range(100):
        try:
            async with http.get(f"http://127.0.0.1:{debug_port}/json/list") as response:
                targets = await response.json()
            pages = [t for t in targets if t.get("type") == "page"]
            if pages:
                ws = await http.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=0)
                return CDPSession(ws), ws
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    raise TimeoutError("chromium did not open its DevTools port")
