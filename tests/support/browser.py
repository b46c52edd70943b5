"""Headless Chromium for the tests that look at pages as a person would, and the served
app (`leadreview serve`) they look at: the one place that launches, waits for and stops
either.

Locally a missing Chromium skips those tests with the reason; in CI (`CI` set) it does
not: `make` installs Chromium, so its absence is a broken set-up and the tests fail.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="chromium is not installed (make setup installs it)",
)

# Headless, sandbox-less (containers), and quiet: no first-run page, no network of its own.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
WINDOW = "--window-size=1400,1000"


def without_sources(html: str) -> str:
    return re.sub(r'<section id="sources">.*?</section>', "", html, flags=re.DOTALL)


def run_chromium(html_path: Path, tmp_path: Path, *mode: str) -> subprocess.CompletedProcess[str]:
    """One headless run over a page (`--dump-dom`, `--screenshot=…`, `--print-to-pdf=…`)."""
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *mode,
         html_path.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@contextmanager
def chromium_devtools(profile: Path, *flags: str) -> Iterator[int]:
    """Chromium on about:blank with the DevTools protocol on; yields its port (see
    tests/tui/cdp.py). The browser picks the port and writes it into the profile, so no
    other process can take it between choosing and binding."""
    assert CHROMIUM is not None
    browser = subprocess.Popen(
        [CHROMIUM, *CHROMIUM_FLAGS, *flags, f"--user-data-dir={profile}",
         "--remote-debugging-port=0", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        yield _devtools_port(profile, browser)
    finally:
        stop(browser)


def _devtools_port(profile: Path, browser: "subprocess.Popen[bytes]") -> int:
    port_file = profile / "DevToolsActivePort"
    end = time.monotonic() + 60
    while time.monotonic() < end:
        if browser.poll() is not None:
            raise RuntimeError(f"chromium exited with {browser.returncode}")
        text = port_file.read_text() if port_file.exists() else ""
        if text.strip():
            return int(text.split()[0])
        time.sleep(0.1)
    raise TimeoutError(f"chromium wrote no DevTools port into {port_file}")


def free_port() -> int:
    """A loopback port free now (for a server that must be told its port)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: "subprocess.Popen[bytes]", timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing listens on port {port}")


def stop(process: "subprocess.Popen[bytes]") -> None:
    # Each was started in its own process group: end the group (the app processes too).
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def start_serve(
    database_url: str, port: int, log: IO[bytes], *options: str
) -> "subprocess.Popen[bytes]":
    """`leadreview serve` on `port` over `database_url`, in its own process group (end it
    with `stop`); `options` such as `--host 0.0.0.0` or `--idle-timeout 15`."""
    return subprocess.Popen(
        [sys.executable, "-m", "leadreview", "serve", *options, "--port", str(port),
         "--database", database_url],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=os.environ,
    )  # fmt: skip


@contextmanager
def serving(database_url: str, log_path: Path, *options: str) -> Iterator[int]:
    """The served app, listening, for the block; yields its port."""
    port = free_port()
    with log_path.open("wb") as log:
        process = start_serve(database_url, port, log, *options)
        try:
            wait_for_port(port, process)
            yield port
        finally:
            stop(process)
