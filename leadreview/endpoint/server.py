"""The HTTP side: a threading HTTP server from the standard library, loopback by default.

Each request is read whole (up to a limit: an image may be 5 MB, 6.7 MB as base64) and
handed to `EndpointService.handle`; its answer goes back with the headers AWS sends
(`x-amzn-RequestId`, and `x-amzn-ErrorType` on an error).
"""

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from leadreview.endpoint import wire
from leadreview.endpoint.errors import EndpointError
from leadreview.endpoint.service import EndpointService

# 5 MB of image as base64 is 6.7 MB; the rest of a request is small.
MAX_BODY_BYTES = 8 * 1024 * 1024
_log = logging.getLogger(__name__)


class EndpointServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], service: EndpointService) -> None:
        super().__init__(address, _Handler)
        self.service = service

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{name}]" if ":" in name else name
        return f"http://{shown}:{port}"

    def start_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.serve_forever, name="rekognition-endpoint")
        thread.daemon = True
        thread.start()
        return thread


class _Handler(BaseHTTPRequestHandler):
    server: EndpointServer
    protocol_version = "HTTP/1.1"  # keep-alive: SDKs reuse connections
    # A client that stops sending (or never sends its body) frees its thread after this.
    timeout = 60

    def do_POST(self) -> None:
        self._answer()

    def do_GET(self) -> None:
        self._answer()

    def _answer(self) -> None:
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            length = int(headers.get("content-length", "0"))
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY_BYTES:
            error = EndpointError(
                "RequestEntityTooLargeException" if length > 0 else "SerializationException",
                f"the request body must be 0 to {MAX_BODY_BYTES} bytes with a Content-Length",
            )
            self._send(error.status, wire.write_error(error), "-", error.code)
            self.close_connection = True
            return
        body = self.rfile.read(length)
        try:
            answer = self.server.service.handle(self.command, self.path, headers, body)
        except Exception:  # a bug: answer as the service does, keep the traceback in the log
            _log.exception("request failed")
            error = EndpointError("InternalServerError", "Internal server error")
            self._send(500, wire.write_error(error), "-", error.code)
            return
        self._send(answer.status, answer.body, answer.request_id, answer.error_code)

    def _send(self, status: int, body: bytes, request_id: str, error_code: str | None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", wire.CONTENT_TYPE)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", request_id)
        if error_code:
            self.send_header("x-amzn-ErrorType", error_code)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        _log.info("%s - %s", self.address_string(), format % args)
