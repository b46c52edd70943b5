"""P8: verification works offline, from an export and the public key alone."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from leadreview.audit.export import ExportFormat, export_log, verify_export
from leadreview.audit.note import Signer
from leadreview.audit.service import AuditContext, make_checkpoint, own_checkpoints, tree_signer
from leadreview.audit.verdict import BreakKind
from leadreview.store import Store, open_store
from tests.support.audit import append_events


def _export(store: Store, context: AuditContext, out: Path, fmt: ExportFormat) -> None:
    make_checkpoint(store, context)
    export_log(
        store,
        out,
        fmt,
        sign_tree=tree_signer(store, context),
        seen_checkpoints=own_checkpoints(store, context),
    )


@pytest.mark.parametrize(
    "fmt", [ExportFormat.JSONL, ExportFormat.CSV]
)  # tiles: test_audit_go_interop
def test_export_verifies_offline_after_the_database_is_gone(
    sqlite_url: str, audit_context: AuditContext, tmp_path: Path, fmt: ExportFormat
) -> None:
    store = open_store(url=sqlite_url)
    append_events(store, 30, batch=4)
    make_checkpoint(store, audit_context)
    append_events(store, 5)
    _export(store, audit_context, tmp_path / "export", fmt)
    store.dispose()
    for leftover in (tmp_path / "data").glob("leadreview.db*"):
        leftover.unlink()
    public = audit_context.signer().verifier()

    report = verify_export(tmp_path / "export", [public])
    assert report.ok, report.lines()
    assert report.events == 35
    assert report.checkpoints == 2  # at 30 (seen before), at 35 (over the exported head)


def test_one_changed_byte_fails_naming_the_event(
    store: Store, audit_context: AuditContext, tmp_path: Path
) -> None:
    append_events(store, 20, batch=20)
    _export(store, audit_context, tmp_path / "export", ExportFormat.JSONL)
    events = tmp_path / "export" / "events.jsonl"
    lines = events.read_bytes().split(b"\n")
    assert json.loads(lines[6])["seq"] == 7
    changed = lines[6].replace(b'\\"lead\\":7', b'\\"lead\\":8')
    assert len(changed) == len(lines[6]) and changed != lines[6]  # exactly one byte
    lines[6] = changed
    events.write_bytes(b"\n".join(lines))

    report = verify_export(tmp_path / "export", [audit_context.signer().verifier()])
    assert not report.ok
    assert report.first_bad_seq == 7
    # The changed event, and the signed Merkle root over it, which now commits to it.
    assert {(b.seq, b.kind) for b in report.breaks} == {
        (7, BreakKind.DIGEST_MISMATCH),
        (20, BreakKind.NOT_EXTENSION),
    }


def test_truncated_export_fails_against_its_checkpoint(
    sqlite_url: str, audit_context: AuditContext, tmp_path: Path
) -> None:
    store = open_store(url=sqlite_url)
    append_events(store, 10, batch=10)
    _export(store, audit_context, tmp_path / "export", ExportFormat.CSV)
    store.dispose()
    events = tmp_path / "export" / "events.csv"
    rows = list(csv.reader(events.open()))
    with events.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows[:-2])  # drop the last two events

    report = verify_export(tmp_path / "export", [audit_context.signer().verifier()])
    assert [(b.seq, b.kind) for b in report.breaks] == [(10, BreakKind.NOT_EXTENSION)]


def test_export_without_a_checkpoint_by_the_key_fails(
    sqlite_url: str, audit_context: AuditContext, tmp_path: Path
) -> None:
    store = open_store(url=sqlite_url)
    append_events(store, 3)
    _export(store, audit_context, tmp_path / "export", ExportFormat.JSONL)
    store.dispose()
    stranger = Signer.generate("someone-else").verifier()
    report = verify_export(tmp_path / "export", [stranger])
    assert not report.ok
    assert {b.kind for b in report.breaks} == {BreakKind.BAD_CHECKPOINT}


def test_cli_export_then_offline_verify(sqlite_url: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "LEADREVIEW_DATABASE_URL": sqlite_url,
        "LEADREVIEW_DATA_DIR": str(tmp_path / "data"),
        "LEADREVIEW_SIGNING_KEY_PATH": str(tmp_path / "config" / "signing.key"),
    }

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "leadreview", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )

    store = open_store(url=sqlite_url)
    append_events(store, 12, batch=5)
    store.dispose()
    key = cli("audit", "key")
    assert key.returncode == 0, key.stderr
    (tmp_path / "public.key").write_text(key.stdout)
    assert (tmp_path / "config" / "signing.key").stat().st_mode & 0o777 == 0o600
    checkpoint = cli("audit", "checkpoint")
    assert checkpoint.returncode == 0, checkpoint.stderr
    assert checkpoint.stdout.split("\n")[1] == "12"
    exported = cli("audit", "export", "--format", "jsonl", "--output", str(tmp_path / "out"))
    assert exported.returncode == 0, exported.stderr
    assert cli("audit", "verify").returncode == 0
    for leftover in (tmp_path / "data").glob("leadreview.db*"):
        leftover.unlink()

    offline = cli(
        "audit", "verify", "--from", str(tmp_path / "out"), "--key", str(tmp_path / "public.key")
    )
    assert offline.returncode == 0, offline.stdout + offline.stderr
    assert offline.stdout.startswith("ok:")
