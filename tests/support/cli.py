"""Shared helpers for the `case` / `probe` CLI tests (not a test module): an isolated
environment on the `database_url` backends, an in-process CLI run, and readers."""

import io
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import pytest
from PIL import Image

from leadreview.audit.log import AuditLog
from leadreview.audit.models import AuditEvent
from leadreview.store.store import Store

# Bare names a leaky settings model could read; and every AWS_ variable of the host.
_LEAKY_ENV = ("REGION", "PROFILE", "ENDPOINT_URL", "MAX_ATTEMPTS")


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    def one_error_line(self) -> str:
        """The single `leadreview: error:` line the CLI must end with, and nothing else."""
        assert self.code != 0, self.out
        lines = [line for line in self.err.splitlines() if line.strip()]
        assert len(lines) == 1, self.err
        assert lines[0].startswith("leadreview: error: "), lines[0]
        return lines[0]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    """`leadreview ARGS` in this process (so a test can stand in for the AWS client)."""
    from leadreview.cli.app import main

    capsys.readouterr()
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return Result(code=code, out=captured.out, err=captured.err)


def events(store: Store, event_type: str | None = None) -> list[AuditEvent]:
    with store.reading() as session:
        return AuditLog.events(session, event_type=event_type)


def png(width: int = 120, height: int = 160) -> bytes:
    """A PNG the service would accept, but with no face descriptor: no face to find."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (128, 110, 100)).save(out, format="PNG")
    return out.getvalue()


def payload(event: AuditEvent) -> dict[str, Any]:
    data: dict[str, Any] = event.payload
    return data


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "leadreview", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("leadreview: error: ")
    for needle in needles:
        assert needle in lines[0]


def principal_of(store: Store) -> str:
    """Who the CLI acts as on `store`: the OS user on SQLite, the login on PostgreSQL
    (no option or setting names anyone)."""
    from leadreview.audit.log import os_login

    if store.dialect == "sqlite":
        return os_login()
    return str(store.engine.url.username)
