"""HTTP for the witness: the server (`leadreview witness serve`) and the client that
`audit checkpoint --witness URL` uses. Plain standard library: a witness is something an
outside party runs with nothing but this package."""

import urllib.error
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from leadreview.audit.witness import MAX_REQUEST_BYTES, Witness, WitnessRefusal, request_body

ADD_CHECKPOINT = "/add-checkpoint"


def make_server(witness: Witness, host: str, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        server_version = "leadreview-witness"

        def log_message(self, format: str, *args: object) -> None:
            pass  # requests are answered, not logged: the state file is the record

        def _reply(self, status: int, body: str, content_type: str = "text/plain") -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            if self.path != ADD_CHECKPOINT:
                self._reply(404, "not found\n")
                return
            try:
                length = int(self.headers.get("Content-Length", ""))
            except ValueError:
                self._reply(411, "Content-Length required\n")
                return
            if not 0 <= length <= MAX_REQUEST_BYTES:
                self._reply(413, "request too large\n")
                return
            body = self.rfile.read(length)
            try:
                cosignature = witness.add_checkpoint(body)
            except WitnessRefusal as refusal:
                kind = "text/x.tlog.size" if refusal.status == 409 else "text/plain"
                self._reply(refusal.status, refusal.body, kind)
                return
            self._reply(200, cosignature, "text/x.tlog.signature")

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


class WitnessUnavailable(Exception):
    """The witness could not be asked, or refused; the message says which, in one line."""


def request_cosignature(
    url: str, signed: str, consistency: Callable[[int], list[bytes]], timeout: float = 10.0
) -> str:
    """Ask the witness at `url` to cosign; on 409 retry once from the size it holds,
    with the consistency proof `consistency(old_size)` gives. Returns its signature line."""
    if not url.startswith(("http://", "https://")):
        raise WitnessUnavailable(f"witness {url!r}: not an http:// or https:// URL")
    old = 0
    proof: list[bytes] = []
    for _attempt in range(2):
        request = urllib.request.Request(
            url.rstrip("/") + ADD_CHECKPOINT,
            data=request_body(old, proof, signed),
            method="POST",
            headers={"Content-Type": "text/plain"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return bytes(response.read(4096)).decode("utf-8")
        except urllib.error.HTTPError as exc:
            body = exc.read(4096).decode("utf-8", "replace").strip()
            if exc.code == 409 and body.isdigit() and _attempt == 0:
                old = int(body)
                proof = consistency(old)
                continue
            raise WitnessUnavailable(f"witness {url} refused ({exc.code}): {body[:200]}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise WitnessUnavailable(f"witness {url}: {reason}") from None
    raise WitnessUnavailable(f"witness {url} kept changing its size")
