"""A SQLite log edited behind the app's back with values its driver cannot hand over:
text that is not UTF-8 in an event, text or NULL where audit_merkle's hashes belong.

Every command an auditor runs over such a file ends in a verdict naming the row (`audit
verify`, `report audit`) or in one `leadreview: error:` line naming the problem, with a
non-zero exit, never a traceback. The file is edited with the sqlite3 module, not
through the app, as someone holding the file would. PostgreSQL refuses invalid UTF-8 on
write and its schema keeps hashes bytea NOT NULL, so none of this can happen there.
"""

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from leadreview.store import open_store
from tests.support.audit import GUARDED_TABLES, append_events
from tests.support.cli import assert_one_line_error, run, run_cli

EVENTS = 20


def _edit(database: Path, *statements: str) -> None:
    connection = sqlite3.connect(database)
    try:
        for table in GUARDED_TABLES:
            connection.execute(f"DROP TRIGGER IF EXISTS {table}_refuse_update")
        for statement in statements:
            connection.execute(statement)
        connection.commit()
    finally:
        connection.close()


def payload_not_utf8(database: Path) -> None:
    _edit(database, "UPDATE audit_event SET payload = CAST(x'ff41' AS TEXT) WHERE seq = 7")


def actor_with_a_surrogate(database: Path) -> None:
    # U+D800 encoded as UTF-8 (ED A0 80): SQLite keeps it, Python's decoder refuses it.
    _edit(database, "UPDATE audit_event SET actor = CAST(x'61EDA080' AS TEXT) WHERE seq = 12")


def head_digest_not_utf8(database: Path) -> None:
    # The last event's: verify reads the head before it walks, and must not read it whole.
    _edit(
        database,
        "PRAGMA ignore_check_constraints = ON",
        "UPDATE audit_event SET digest = CAST(x'ff41' AS TEXT) WHERE seq = 20",
    )


def tree_hashes_as_text(database: Path) -> None:
    _edit(database, "UPDATE audit_merkle SET hashes = hex(hashes) WHERE seq = 8")


# The tampering, the line `audit verify` must print for it, and what the one
# error line of the other commands must name.
CASES: dict[str, tuple[Callable[[Path], None], str, str]] = {
    "payload": (
        payload_not_utf8,
        "seq 7: malformed: payload holds bytes that are not UTF-8",
        "not UTF-8 (column 'payload')",
    ),
    "actor": (
        actor_with_a_surrogate,
        "seq 12: malformed: actor holds bytes that are not UTF-8",
        "not UTF-8 (column 'actor')",
    ),
    "head digest": (
        head_digest_not_utf8,
        "seq 20: malformed: digest holds bytes that are not UTF-8",
        "not UTF-8 (column 'digest')",
    ),
    "tree": (
        tree_hashes_as_text,
        "seq 8: merkle tree mismatch: audit_merkle row 8 holds text, not hashes: "
        "the stored tree was altered",
        "audit_merkle row 8 holds text, not hashes",
    ),
}


@pytest.fixture
def env(tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LEADREVIEW_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("LEADREVIEW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LEADREVIEW_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("LEADREVIEW_SIGNING_KEY_PATH", str(tmp_path / "key" / "signing.key"))
    monkeypatch.chdir(tmp_path)
    store = open_store(url=sqlite_url)
    append_events(store, EVENTS)
    store.dispose()
    return tmp_path / "data" / "leadreview.db"


@pytest.mark.parametrize("kernel", ["", "driver", "python"])
@pytest.mark.parametrize("case", list(CASES))
def test_audit_verify_names_the_row_on_every_kernel(
    env: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    case: str,
    kernel: str,
) -> None:
    tamper, line, _ = CASES[case]
    monkeypatch.setenv("LEADREVIEW_VERIFY_KERNEL", kernel)
    assert run(capsys, "audit", "verify").code == 0
    tamper(env)

    result = run(capsys, "audit", "verify")

    assert result.code == 1, result
    lines = result.out.splitlines()
    assert lines[0].startswith("FAILED: ") and "first bad sequence number" in lines[0], lines
    assert line in lines, lines
    assert result.err == ""


COMMANDS = {
    "show": ["audit", "show"],
    "export": ["audit", "export", "-o", "exported"],
    "export tiles": ["audit", "export", "--format", "tiles", "-o", "tiles"],
    "checkpoint": ["audit", "checkpoint"],
    "prove inclusion": ["audit", "prove", "inclusion", "{proved}"],
    "prove consistency": ["audit", "prove", "consistency", "5", str(EVENTS)],
}
# The event whose inclusion is proved: the tampered one, or (tree) one whose proof reads
# the tampered row (leaf 8 is leaf 7's sibling).
PROVED = {"payload": 7, "actor": 12, "head digest": 20, "tree": 7}
# What a command never reads, it has no reason to refuse: `audit show` reads no tree,
# a consistency proof no event but the head.
UNREAD = {("tree", "show"), ("payload", "prove consistency"), ("actor", "prove consistency")}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("case", list(CASES))
def test_every_other_audit_command_ends_in_one_line_naming_the_problem(
    env: Path, capsys: pytest.CaptureFixture[str], case: str, command: str
) -> None:
    tamper, _, needle = CASES[case]
    tamper(env)

    result = run(capsys, *(arg.format(proved=PROVED[case]) for arg in COMMANDS[command]))

    if (case, command) in UNREAD:
        assert result.code == 0 and result.err == "", result
        return
    assert needle in result.one_error_line()
    assert result.code == 1


@pytest.mark.parametrize("case", list(CASES))
def test_report_audit_says_the_chain_failed(
    env: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    tamper, _, needle = CASES[case]
    tamper(env)

    result = run(capsys, "report", "audit", "-o", "report.html")

    if case == "head digest":  # the report is recorded as an event, chained to the head
        assert needle in result.one_error_line()
        return
    assert result.code == 1, result
    assert result.err.strip().endswith("chain FAILED verification at head 20"), result
    assert (env.parent.parent / "report.html").is_file()


def test_the_real_cli_gives_the_verdict_and_one_error_line(env: Path) -> None:
    """In a process of its own, as an auditor runs it (no in-process handling helps)."""
    payload_not_utf8(env)

    verified = run_cli("audit", "verify")
    shown = run_cli("audit", "show")

    assert verified.returncode == 1 and "Traceback" not in verified.stderr
    assert "seq 7: malformed: payload holds bytes that are not UTF-8" in verified.stdout
    assert_one_line_error(shown, "not UTF-8 (column 'payload')")
