"""`audit verify --witness-key KEY… --quorum N` counts cosignatures on the newest
checkpoint of whatever is verified: the database's (the data folder's copy for its log),
a tiles directory's and a JSONL export's (`audit export --witness URL` has it cosigned),
as well as on `--checkpoint` files. Real witness processes on loopback."""

from pathlib import Path

import pytest

from leadreview.audit.service import AuditContext
from leadreview.store import open_store
from tests.support.audit import append_events
from tests.support.witnesses import run, setting, witness_process

__all__ = ["setting"]  # the fixture, shared with test_audit_witness


def test_the_databases_newest_checkpoint_must_carry_the_quorum(
    tmp_path: Path, sqlite_url: str, setting: AuditContext, capsys: pytest.CaptureFixture[str]
) -> None:
    store = open_store(url=sqlite_url)
    append_events(store, 8)
    origin = setting.log_origin(store)
    log_key = setting.signer().verifier().text()
    with (
        witness_process(tmp_path, "clerk", origin, log_key) as (url1, key1),
        witness_process(tmp_path, "aclu", origin, log_key) as (url2, key2),
    ):
        verify = ["audit", "verify", "--witness-key", key1, "--witness-key", key2]
        code, out, _ = run(verify, capsys)
        assert code == 1 and "no checkpoint to count witness cosignatures on" in out

        code, _, err = run(["audit", "checkpoint", "--witness", url1, "--witness", url2], capsys)
        assert code == 0, err
        code, out, _ = run(verify, capsys)
        assert code == 0, out
        assert out.startswith("ok: ")

        # A newer checkpoint signed without witnesses is the one that counts now.
        append_events(store, 2)
        code, _, err = run(["audit", "checkpoint"], capsys)
        assert code == 0, err
        code, out, _ = run([*verify, "--quorum", "1"], capsys)
        assert code == 1
        assert "checkpoint-000000000010.txt: 0 valid witness cosignature(s), 1 required" in out
    store.dispose()


@pytest.mark.parametrize("export_format", ["tiles", "jsonl"])
def test_an_exports_checkpoint_cosigned_on_export_carries_the_quorum(
    export_format: str,
    tmp_path: Path,
    sqlite_url: str,
    setting: AuditContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store = open_store(url=sqlite_url)
    append_events(store, 6)
    origin = setting.log_origin(store)
    log_key = setting.signer().verifier().text()
    with (
        witness_process(tmp_path, "clerk", origin, log_key) as (url1, key1),
        witness_process(tmp_path, "aclu", origin, log_key) as (url2, key2),
    ):
        plain, cosigned = tmp_path / "plain", tmp_path / "cosigned"
        code, _, err = run(["audit", "export", "--format", export_format, "-o", str(plain)], capsys)
        assert code == 0, err
        witnesses = ["--witness", url1, "--witness", url2]
        export = ["audit", "export", "--format", export_format, "-o", str(cosigned)]
        code, _, err = run([*export, *witnesses], capsys)
        assert code == 0, err
    store.dispose()
    quorum = ["--key", log_key, "--witness-key", key1, "--witness-key", key2, "--quorum", "2"]

    code, out, _ = run(["audit", "verify", "--from", str(cosigned), *quorum], capsys)
    assert code == 0, out
    code, out, _ = run(["audit", "verify", "--from", str(plain), *quorum], capsys)
    assert code == 1
    newest = "checkpoint" if export_format == "tiles" else "checkpoint-000000000006.txt"
    assert f"{newest}: 0 valid witness cosignature(s), 2 required" in out
