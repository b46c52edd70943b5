"""`audit verify` compares the log with the record of what its key signed, kept beside
the key (the memory `audit checkpoint` uses), and a truncated log's report says so
first: deleting the data folder's checkpoint copies no longer hides a truncation, and a
log inconsistent with what was signed fails (exit 1) naming the record."""

from pathlib import Path

import pytest

from leadreview.audit.checkpoint import Checkpoint
from leadreview.audit.keys import load_signer
from leadreview.store import open_store
from tests.support.audit import append_events, behind_the_guards, truncate_log
from tests.support.cli import Result, run


@pytest.fixture
def env(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LEADREVIEW_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("LEADREVIEW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LEADREVIEW_DATABASE_URL", database_url)
    monkeypatch.setenv("LEADREVIEW_SIGNING_KEY_PATH", str(tmp_path / "key" / "signing.key"))
    store = open_store(url=database_url)
    append_events(store, 6)
    store.dispose()
    return tmp_path


def _record(env: Path) -> Path:
    (record,) = (env / "key" / "signing.key.signed").glob("*.txt")
    return record


def _truncate_to(database_url: str, after: int) -> None:
    store = open_store(url=database_url)
    try:
        with behind_the_guards(store) as connection:
            truncate_log(connection, after)
    finally:
        store.dispose()


def _verify(capsys: pytest.CaptureFixture[str]) -> Result:
    return run(capsys, "audit", "verify")


def test_a_truncated_log_is_reported_as_truncated_first(
    env: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "audit", "checkpoint").code == 0
    _truncate_to(database_url, 4)
    result = _verify(capsys)
    assert result.code == 1
    first, *rest = result.out.splitlines()
    assert first.endswith("the log was truncated: it holds 4 event(s), but 6 were signed")
    assert "0 bad sequence number" not in result.out
    assert any("the log was truncated" in line for line in rest)


def test_deleting_the_checkpoint_copies_does_not_hide_a_truncation(
    env: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "audit", "checkpoint").code == 0
    for copy in (env / "data" / "checkpoints").rglob("checkpoint-*.txt"):
        copy.unlink()
    _truncate_to(database_url, 3)
    result = _verify(capsys)
    assert result.code == 1
    assert result.out.splitlines()[0].endswith("it holds 3 event(s), but 6 were signed")
    assert f"recorded in {_record(env)}" in result.out


def test_a_log_inconsistent_with_what_was_signed_fails_naming_the_record(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "audit", "checkpoint").code == 0
    for copy in (env / "data" / "checkpoints").rglob("checkpoint-*.txt"):
        copy.unlink()
    record = _record(env)
    signed = Checkpoint.parse_body(record.read_text(encoding="utf-8").split("\n\n")[0] + "\n")
    # The key's record says another tree of the same size was signed: this log is not
    # the history the key vouched for.
    other = Checkpoint(signed.origin, signed.size, "ab" * 32)
    record.write_text(other.sign(load_signer(env / "key" / "signing.key")), encoding="utf-8")
    result = _verify(capsys)
    assert result.code == 1
    assert "the log was rewritten" in result.out and f"recorded in {record}" in result.out


def test_an_unreadable_record_of_what_was_signed_fails_verification(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "audit", "checkpoint").code == 0
    record = _record(env)
    record.write_bytes(b"\xff not a checkpoint")
    result = _verify(capsys)
    assert result.code == 1
    assert f"the record of what was signed {record}: not UTF-8 text" in result.out


def test_an_honest_log_that_grew_after_signing_verifies(
    env: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "audit", "checkpoint").code == 0
    store = open_store(url=database_url)
    append_events(store, 3)
    store.dispose()
    result = _verify(capsys)
    assert result.code == 0, result.out
    assert result.out.startswith("ok: ")
