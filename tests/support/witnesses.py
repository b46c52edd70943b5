"""Witnesses on loopback for the tests (not a test module): a real `leadreview witness
serve` process on a random port, an in-process CLI run, and the settings of a log whose
key and checkpoints live in the test's folder."""

import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from leadreview.audit.service import AuditContext
from leadreview.cli.app import main


@contextmanager
def witness_process(tmp: Path, name: str, origin: str, log_key: str) -> Iterator[tuple[str, str]]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "leadreview",
            "witness",
            "serve",
            "--key",
            str(tmp / f"{name}.key"),
            "--state",
            str(tmp / f"{name}.state.json"),
            "--log",
            f"{origin}={log_key}",
            "--listen",
            "127.0.0.1:0",
            "--name",
            name,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "LEADREVIEW_CONFIG": str(tmp / "absent.toml")},
    )
    try:
        assert process.stdout is not None
        key_line = process.stdout.readline()
        url_line = process.stdout.readline()
        assert key_line.startswith("witness "), process.stderr.read() if process.stderr else ""
        yield url_line.split()[-1], key_line.split()[1]
    finally:
        process.terminate()
        process.wait(timeout=10)


def post(url: str, body: bytes) -> tuple[int, str]:
    request = urllib.request.Request(url + "/add-checkpoint", data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def setting(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> AuditContext:
    monkeypatch.setenv("LEADREVIEW_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("LEADREVIEW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LEADREVIEW_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("LEADREVIEW_SIGNING_KEY_PATH", str(tmp_path / "key" / "signing.key"))
    return AuditContext(
        tmp_path / "key" / "signing.key",
        tmp_path / "data" / "checkpoints",
        "leadreview.local/audit",
    )
