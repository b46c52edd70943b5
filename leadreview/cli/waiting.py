"""Checks that keep a command from waiting forever: no terminal for the review app, a port
already taken for `serve`, a `--cluster` scheduler that does not answer.

Each would otherwise fail late and loudly: Textual with no terminal to read keys from
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


# A scheduler that does not accept a connection within this is reported, not waited on.
SCHEDULER_CONNECT_SECONDS = 5.0
_SCHEDULER_SCHEMES = ("tcp://", "tls://")


def require_scheduler(address: str) -> None:
    """Refuse, in one line and within a bounded time, a `--cluster` address that is not a
    `tcp://HOST:PORT` (or `tls://`) a scheduler listens on. Dask itself would retry for
    its own timeout and then end in a traceback."""
    scheme = next((s for s in _SCHEDULER_SCHEMES if address.startswith(s)), None)
    rest = address if scheme is None else address[len(scheme) :]
    if "://" in rest:
        raise ConfigurationError(
            f"--cluster {address!r}: only tcp:// and tls:// schedulers are supported"
        )
    host, _, port_text = rest.rpartition(":")
    host = host.strip("[]")  # an IPv6 literal
    if not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigurationError(
            f"--cluster {address!r}: not a scheduler address; give tcp://HOST:PORT"
        )
    try:
        with socket.create_connection((host, int(port_text)), timeout=SCHEDULER_CONNECT_SECONDS):
            pass
    except TimeoutError:
        raise ConfigurationError(
            f"--cluster {address}: no answer within {SCHEDULER_CONNECT_SECONDS:.0f} s"
        ) from None
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ConfigurationError(f"--cluster {address}: cannot connect ({reason})") from None
