"""Event format 2 (auth and login sealed in every event) and the logs written before it:
events sealed in format 1 keep verifying under format 1 rules, after the upgrade too."""

import hashlib
import json
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from leadreview.audit.canonical import GENESIS_DIGEST, envelope
from leadreview.audit.log import AuditLog
from leadreview.store.engine import make_engine
from leadreview.store.migrate import _config
from leadreview.store.store import Store, open_store
from tests.case_cli_support import Result, cli_env, run

__all__ = ["cli_env"]  # fixtures

V1_TIME = "2024-05-06T07:08:09.000010Z"


def _old_log(url: str, count: int) -> None:
    """A log as main wrote it before format 2: schema 0003, seven-field envelopes."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            command.upgrade(_config(connection), "0003_exercise")
            prev = GENESIS_DIGEST
            for seq in range(1, count + 1):
                payload = json.dumps({"n": seq}, separators=(",", ":"))
                sealed = envelope(seq, V1_TIME, "ana", "reviewer", "old.event", payload, prev)
                digest = hashlib.sha256(sealed.encode()).hexdigest()
                connection.execute(
                    text(
                        "INSERT INTO audit_event VALUES "
                        "(:seq, :time, 'ana', 'reviewer', 'old.event', :payload, :prev, :digest)"
                    ),
                    {"seq": seq, "time": V1_TIME, "payload": payload, "prev": prev,
                     "digest": digest},
                )  # fmt: skip
                prev = digest
    finally:
        engine.dispose()


def test_a_format_1_log_upgrades_and_keeps_verifying(
    cli_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _old_log(cli_env, 3)
    store = open_store(url=cli_env)  # upgrades to format 2
    try:
        with store.transaction() as session:
            new = AuditLog().append(session, actor="bo", role="auditor", event_type="new.event")
        assert (new.seq, new.format) == (4, 2) and new.auth and new.login
        verified = run(capsys, "audit", "verify")
        assert verified.code == 0, verified.out
        assert "4 events verified" in verified.out

        # The database refuses a new format 1 event: it would carry no login.
        with pytest.raises(Exception, match="format 2"), store.engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO audit_event (seq, time, actor, role, event_type, payload,"
                    " prev_digest, digest, format) VALUES (5, :t, 'x', 'reviewer', 'e', '{}',"
                    " :prev, :d, 1)"
                ),
                {"t": V1_TIME, "prev": new.digest, "d": "0" * 64},
            )
    finally:
        store.dispose()


def test_format_2_fields_are_sealed(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Changing who stored an event, or how its actor was authenticated, breaks it."""
    store = open_store(url=cli_env)
    try:
        with store.transaction() as session:
            AuditLog().append(session, actor="bo", role="auditor", event_type="e1")
            AuditLog().append(session, actor="bo", role="auditor", event_type="e2")
        _bypass_guards(store)
        with store.engine.begin() as connection:
            connection.execute(text("UPDATE audit_event SET login = 'sheriff' WHERE seq = 1"))
            connection.execute(text("UPDATE audit_event SET auth = 'join-code' WHERE seq = 2"))
    finally:
        store.dispose()
    verified = run(capsys, "audit", "verify")
    assert verified.code == 1
    assert "seq 1: digest mismatch" in verified.out
    assert "seq 2: digest mismatch" in verified.out


def _bypass_guards(store: Store) -> None:
    with store.engine.begin() as connection:
        if store.dialect == "postgresql":
            connection.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER audit_event_refuse_update"))


def test_an_export_written_before_format_2_still_verifies(
    cli_env: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _old_log(cli_env, 2)
    assert run(capsys, "audit", "checkpoint").code == 0
    exported = run(capsys, "audit", "export", "--format", "jsonl", "--output", str(tmp_path / "x"))
    assert exported.code == 0, exported.err
    key = run(capsys, "audit", "key").out.strip()
    events = tmp_path / "x" / "events.jsonl"
    # What main's export wrote: eight fields a line, no format, auth or login.
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    assert [line["format"] for line in lines] == [1, 1]
    old = [{k: v for k, v in line.items() if k not in ("format", "auth", "login")}
           for line in lines]  # fmt: skip
    events.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in old))
    result: Result = run(capsys, "audit", "verify", "--from", str(tmp_path / "x"), "--key", key)
    assert result.code == 0, result.out
    assert "2 events verified" in result.out
    old[1]["actor"] = "sheriff"
    events.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in old))
    tampered = run(capsys, "audit", "verify", "--from", str(tmp_path / "x"), "--key", key)
    assert tampered.code == 1
    assert "seq 2: digest mismatch" in tampered.out
