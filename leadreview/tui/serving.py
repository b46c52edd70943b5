"""The web server behind `leadreview serve`: textual-serve, with three guards.

- **Origin.** A WebSocket is not bound by the same-origin policy: any page a participant
  opens could connect to the room's server from their browser and drive a session. The
  handshake's `Origin` must be the served page's own origin (or, on a loopback host, one
  of the loopback names for the same port); anything else is refused with 403.
- **Loopback by default.** The CLI binds 127.0.0.1 unless told otherwise, and says so
  when it is told (see `cli/serve_cmd.py`).
- **No asset from the internet.** textual-serve's page asks Google Fonts for its font: a
  room without internet gets a broken page, and every browser tells a third party it is
  there. We serve the page from a copy of the package's template in which that link is
  replaced by the font files textual-serve itself ships; a page that would still load
  anything from another origin is refused at start-up.
"""

import ipaddress
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from textual_serve.server import Server

from leadreview.errors import ConfigurationError

_TEMPLATE = "app_index.html"
_EXTERNAL_LINK = re.compile(r"<link\b[^>]*\bhref=\"https?://[^\"]*\"[^>]*/?>", re.IGNORECASE)
_EXTERNAL_FETCH = re.compile(r"\b(?:href|src)\s*=\s*[\"']?(?:https?:)?//", re.IGNORECASE)
_CSS_URL = re.compile(r"url\(\s*[\"']?(?:https?:)?//", re.IGNORECASE)
_LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
_LOCAL_FONTS = """<style>
      @font-face {
        font-family: "Roboto Mono";
        src: url("{{ config.static.url }}fonts/RobotoMono-VariableFont_wght.ttf")
          format("truetype");
        font-style: normal;
        font-weight: 100 700;
      }
      @font-face {
        font-family: "Roboto Mono";
        src: url("{{ config.static.url }}fonts/RobotoMono-Italic-VariableFont_wght.ttf")
          format("truetype");
        font-style: italic;
        font-weight: 100 700;
      }
    </style>"""


_ENDED = '<div class="message">Session ended.</div>'


def _ended_line(idle_seconds: int) -> str:
    return (
        '<div class="message" id="session-ended">Session ended (closed, or no key or click '
        f"for {idle_seconds} s). Restart to sign in again with a new join code.</div>"
    )


def is_loopback(host: str) -> bool:
    if host.strip("[]") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def allowed_origins(host: str, port: int, public_url: str) -> frozenset[str]:
    origins = {origin_of(public_url)}
    if is_loopback(host):
        origins |= {f"http://{name}:{port}" for name in _LOOPBACK_NAMES}
    return frozenset(origins)


def self_hosted_template(source: str, idle_seconds: int) -> str:
    """The page template with its internet font replaced by the package's own files, and
    its "Session ended." saying that a session left idle is closed, and after how long."""
    page = _EXTERNAL_LINK.sub(_LOCAL_FONTS, source, count=1)
    page = page.replace(_ENDED, _ended_line(idle_seconds), 1)
    leftover = _EXTERNAL_FETCH.search(page) or _CSS_URL.search(page)
    if leftover is not None:
        raise ConfigurationError(
            f"serve: textual-serve's page still loads something from the internet near "
            f"{page[leftover.start() : leftover.start() + 60]!r}; refusing to serve it"
        )
    return page


class GuardedServer(Server):
    """textual-serve's server, refusing WebSockets from other origins and serving a page
    that loads nothing from the internet."""

    def __init__(
        self, command: str, *, host: str, port: int, public_url: str | None, idle_seconds: int
    ) -> None:
        self._templates = tempfile.TemporaryDirectory(prefix="leadreview-serve-")
        import textual_serve

        package_templates = Path(textual_serve.__file__).parent / "templates"
        try:
            source = (package_templates / _TEMPLATE).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigurationError(f"serve: cannot read {exc.filename}: {exc}") from None
        (Path(self._templates.name) / _TEMPLATE).write_text(
            self_hosted_template(source, idle_seconds), encoding="utf-8"
        )
        super().__init__(
            command,
            host=host,
            port=port,
            title="leadreview",
            public_url=public_url,
            statics_path=package_templates.parent / "static",
            templates_path=self._templates.name,
        )
        self.origins = allowed_origins(host, port, self.public_url)

    async def handle_websocket(self, request: web.Request) -> Any:
        origin = (request.headers.get("Origin") or "").lower()
        if origin not in self.origins:
            self.console.print(f"refused a WebSocket from origin {origin or '(none)'!r}")
            raise web.HTTPForbidden(text=f"origin {origin or '(none)'} is not this room's page")
        return await super().handle_websocket(request)

    def serve(self, debug: bool = False) -> None:
        try:
            super().serve(debug)
        finally:
            self._templates.cleanup()


def describe(origins: Iterable[str]) -> str:
    return ", ".join(sorted(origins))
