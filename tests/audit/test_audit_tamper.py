"""P1: any edit, reorder or deletion of a stored event is detected and named."""

import os
import subprocess
import sys
from pathlib import Path

from leadreview.audit.service import verify_store
from leadreview.audit.verdict import BreakKind
from leadreview.store import Store
from tests.support.audit import append_events, behind_the_guards, swap_sequence_numbers


def tamper_17_20_21_30(store: Store) -> None:
    with behind_the_guards(store) as connection:
        connection.exec_driver_sql(
            """UPDATE audit_event SET payload = '{"lead":17,"ok":false}' WHERE seq = 17"""
        )
        swap_sequence_numbers(connection, 20, 21)
        connection.exec_driver_sql("DELETE FROM audit_event WHERE seq = 30")


def test_an_untouched_log_verifies(store: Store) -> None:
    append_events(store, 50, batch=7)
    report = verify_store(store)
    assert report.ok, report.lines()
    assert (report.events, report.head_seq) == (50, 50)


def test_edit_swap_and_delete_are_each_named(store: Store) -> None:
    append_events(store, 50)
    tamper_17_20_21_30(store)

    report = verify_store(store, chunk_rows=8)  # chunk edges must not hide a break

    assert not report.ok
    assert report.first_bad_seq == 17
    # 20/21 swapped also breaks 22's link (its predecessor is no longer the event it sealed).
    assert report.bad_seqs == [17, 20, 21, 22, 30]
    kinds = {(b.seq, b.kind) for b in report.breaks}
    assert (17, BreakKind.DIGEST_MISMATCH) in kinds
    assert (20, BreakKind.REORDERED) in kinds
    assert (21, BreakKind.REORDERED) in kinds
    assert (30, BreakKind.MISSING) in kinds
    assert report.lines()[0].endswith("first bad sequence number: 17")


def test_the_cli_names_the_breaks_and_exits_non_zero(
    store: Store, database_url: str, tmp_path: Path
) -> None:
    append_events(store, 50, batch=50)
    tamper_17_20_21_30(store)
    env = {
        **os.environ,
        "LEADREVIEW_DATABASE_URL": database_url,
        "LEADREVIEW_DATA_DIR": str(tmp_path / "data"),
        "LEADREVIEW_SIGNING_KEY_PATH": str(tmp_path / "key"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "leadreview", "audit", "verify"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert "first bad sequence number: 17" in lines[0]
    for seq in (17, 20, 30):
        assert any(line.startswith(f"seq {seq}: ") for line in lines), result.stdout


def test_a_format_2_event_resealed_without_its_login_is_named(store: Store) -> None:
    """An owner who blanks the last event's auth and login and reseals it (digest and
    Merkle leaf recomputed, nothing after it to break) leaves a format 2 event that names
    no authenticated principal: docs/audit-format.md makes that a break."""
    import hashlib

    from sqlalchemy import text

    from leadreview.audit.canonical import entry_bytes
    from leadreview.audit.merkle import leaf_hash
    from leadreview.audit.models import ROW_COLUMNS

    append_events(store, 5)
    with behind_the_guards(store) as connection:
        row = connection.execute(
            text(f"SELECT {', '.join(ROW_COLUMNS)} FROM audit_event WHERE seq = 5")
        ).one()
        assert row.format == 2 and row.auth and row.login
        blanked = (*tuple(row)[:9], "", "")
        entry = entry_bytes(blanked)
        connection.execute(
            text("UPDATE audit_event SET auth = '', login = '', digest = :d WHERE seq = 5"),
            {"d": hashlib.sha256(entry).hexdigest()},
        )
        connection.execute(  # record 4 closes no subtree: its row is its leaf alone
            text("UPDATE audit_merkle SET hashes = :h WHERE seq = 5"), {"h": leaf_hash(entry)}
        )

    report = verify_store(store)

    assert not report.ok
    assert report.bad_seqs == [5]
    assert "seq 5: malformed: a format 2 event without auth or login" in report.lines()
