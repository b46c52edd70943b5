"""Helpers for the tests that act as PostgreSQL logins (not a test module): connection
strings for a login, the CLI run with the database URL of a login, and a grant by the
owner. The fixtures creating logins are in `tests/cli/conftest.py`."""

import os
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.support.cli import Result, run


def libpq(url: str, user: str | None = None) -> str:
    """A libpq connection string for `url` (keeping its search_path), as `user`."""
    parsed = make_url(url)
    options = parsed.query.get("options", "")
    assert isinstance(options, str)
    return psycopg.conninfo.make_conninfo(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        dbname=parsed.database,
        user=user or parsed.username,
        options=options,
    )


def as_login(url: str, login: str) -> str:
    return make_url(url).set(username=login).render_as_string(hide_password=False)


def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str,
        *args: str) -> Result:  # fmt: skip
    """`leadreview ARGS` connected with `url`: no option or setting names who acts, the
    login in the URL is the principal."""
    monkeypatch.setenv("LEADREVIEW_DATABASE_URL", url)
    return run(capsys, *args)


def grant(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, owner_url: str,
          login: str, role: str) -> None:  # fmt: skip
    done = cli(capsys, monkeypatch, owner_url, "db", "grant", login, role)
    assert done.code == 0, done.err
    assert f"{login}: role {role} granted" in done.out


def isolate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Settings from the environment only: no host AWS_ or LEADREVIEW_ variable leaks in."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "LEADREVIEW_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("LEADREVIEW_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("LEADREVIEW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LEADREVIEW_SIGNING_KEY_PATH", str(tmp_path / "key" / "signing.key"))
    monkeypatch.setenv("COLUMNS", "200")
