"""Checks that keep a command from waiting forever: no terminal for the review app, a port
already taken for `serve`.

Both would otherwise fail late and loudly: Textual with no terminal to read keys from
redraws forever (and burns a core), and the web server announces "Serving…" before the
bind fails with a long traceback.
"""

import os
import socket
import sys

from leadreview.errors import ConfigurationError


def require_terminal() -> None:
    """Refuse to start the review app unless a person can type into it and see it."""
    if os.environ.get("TEXTUAL_DRIVER"):
        return  # a served session: textual-serve drives the app over its pipes
    output = sys.__stderr__  # where Textual draws
    missing = [
        name
        for name, stream in (("standard input", sys.__stdin__), ("standard error", output))
        if stream is None or not _is_terminal(stream)
    ]
    if missing:
        raise ConfigurationError(
            f"the review app needs a terminal, and {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not one; run it in a terminal, or "
            "use `leadreview serve` for browsers and the `case` / `audit` commands in scripts"
        )


def _is_terminal(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except (OSError, ValueError):  # a closed stream
        return False


def require_free_port(host: str, port: int) -> None:
    """Refuse, in one line, a host:port that cannot be listened on right now."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        raise ConfigurationError(f"--host {host!r}: cannot resolve ({exc})") from None
    for family, kind, proto, _name, address in addresses:
        try:
            with socket.socket(family, kind, proto) as probe:
                # As the web server binds: a port in TIME_WAIT is free, one listened on is not.
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind(address)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise ConfigurationError(
                f"--port {port} on {host}: cannot listen ({reason}); choose another port"
            ) from None
