"""Shared helpers for the `case` / `probe` CLI tests (not a test module): an isolated
environment on the `database_url` backends, an in-process CLI run, and readers."""

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from leadreview.audit.log import AuditLog
from leadreview.audit.models import AuditEvent
from leadreview.store.store import Store, open_store

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


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Settings from the environment only; dummy AWS credentials and no AWS files, so
    nothing can leave the machine. Returns the database URL."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "LEADREVIEW_")) or name in _LEAKY_ENV:
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("LEADREVIEW_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("LEADREVIEW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LEADREVIEW_DATABASE_URL", database_url)
    monkeypatch.setenv("LEADREVIEW_SIGNING_KEY_PATH", str(tmp_path / "key" / "signing.key"))
    monkeypatch.setenv("COLUMNS", "200")  # rich tables: keep cells whole for the asserts
    return database_url


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


@pytest.fixture
def db(cli_env: str) -> Iterator[Store]:
    opened = open_store(url=cli_env)
    try:
        yield opened
    finally:
        opened.dispose()


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


def principal_of(store: Store) -> str:
    """Who the CLI acts as on `store`: the OS user on SQLite, the login on PostgreSQL
    (no option or setting names anyone)."""
    from leadreview.audit.log import os_login

    if store.dialect == "sqlite":
        return os_login()
    return str(store.engine.url.username)
