"""Helpers for the tests that act as PostgreSQL logins (not a test module): connection
strings for a login, the CLI run with the database URL of a login, and a grant by the
owner. The fixtures creating logins are in `tests/cli/conftest.py`."""

import hashlib
import importlib.util
import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import psycopg
import pytest
from sqlalchemy.engine import make_url

from leadreview.store.migrate import MIGRATIONS_DIR
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


Connection = psycopg.Connection[tuple[object, ...]]
RAW_EVENT_TIME = "2026-01-01T00:00:00.000000Z"


def owner_rows(url: str, query: str) -> list[tuple[object, ...]]:
    """`query` run by the schema's owner (who reads everything, triggers or not)."""
    with psycopg.connect(libpq(url)) as owner:
        return owner.execute(query).fetchall()  # type: ignore[arg-type]


def store_raw_event(connection: Connection, event_type: str, payload: dict[str, object], *,
                    actor: str | None = None, role: str = "reviewer",
                    auth: str = "postgres-login") -> None:  # fmt: skip
    """What a hostile login can do with plain SQL: append an event (in its own name unless
    `actor` says otherwise), chained to the head, with a digest of its choosing (no
    service, no checks). The database's triggers judge it, at once or at the commit."""
    row = connection.execute(
        "SELECT seq, digest FROM audit_event ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    assert row is not None
    seq, head = row
    connection.execute(
        "INSERT INTO audit_event (seq, time, actor, role, event_type, payload, prev_digest,"
        " digest, format, auth, login) VALUES (%s, %s, coalesce(%s, current_user), %s, %s,"
        " %s, %s, %s, 2, %s, '')",
        (
            int(str(seq)) + 1,
            RAW_EVENT_TIME,
            actor,
            role,
            event_type,
            json.dumps(payload),
            head,
            hashlib.sha256(secrets.token_bytes(16)).hexdigest(),
            auth,
        ),
    )


def migration(name: str) -> ModuleType:
    """A revision's module, read from its file (the names start with a digit)."""
    spec = importlib.util.spec_from_file_location(name, MIGRATIONS_DIR / "versions" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def migrate(url: str, revision: str, *, down: bool) -> None:
    """Up or down to `revision`, as the owner, over whatever rows are there."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            (command.downgrade if down else command.upgrade)(config, revision)
    finally:
        engine.dispose()


class GrantedLogins:
    """Logins made for one test, each granted a role by the schema's owner, and the CLI
    run as any of them (the `logins` fixture of tests/cli/conftest.py)."""

    def __init__(
        self,
        url: str,
        make_login: Callable[[str], str],
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        self.url = url
        self._make = make_login
        self._capsys = capsys
        self._monkeypatch = monkeypatch

    def grant(self, role: str, prefix: str | None = None) -> str:
        """A new login (named after `prefix`, or the role) holding `role`."""
        login = self._make(prefix or role[:3])
        grant(self._capsys, self._monkeypatch, self.url, login, role)
        return login

    def run(self, login: str, *args: str) -> Result:
        """`leadreview ARGS` connected as `login`."""
        return cli(self._capsys, self._monkeypatch, as_login(self.url, login), *args)

    def ok(self, login: str, *args: str) -> str:
        """`run`, which must succeed: its output."""
        done = self.run(login, *args)
        assert done.code == 0, f"{args}: {done.err}"
        return done.out
