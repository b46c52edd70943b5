"""P13: independent parties witness the log. Real witness processes on loopback (random
ports) cosign only consistent checkpoints (409/422 otherwise), keep their state across
restarts, and `audit verify` can require a quorum of their cosignatures."""

from pathlib import Path

import pytest

from leadreview.audit.checkpoint import Checkpoint
from leadreview.audit.keys import load_signer
from leadreview.audit.note import Signer
from leadreview.audit.service import AuditContext, make_checkpoint, prove_consistency
from leadreview.audit.witness import WitnessKey, count_cosignatures, request_body
from leadreview.store import open_store
from tests.support.audit import append_events
from tests.support.witnesses import post, run, setting, witness_process

__all__ = ["setting"]  # a fixture the tests below take by name


def test_witnesses_cosign_consistent_checkpoints_and_verify_counts_them(
    tmp_path: Path, sqlite_url: str, setting: AuditContext, capsys: pytest.CaptureFixture[str]
) -> None:
    store = open_store(url=sqlite_url)
    append_events(store, 10)
    origin = setting.log_origin(store)
    log_key = setting.signer().verifier().text()
    with (
        witness_process(tmp_path, "clerk", origin, log_key) as (url1, key1),
        witness_process(tmp_path, "aclu", origin, log_key) as (url2, key2),
    ):
        code, signed, err = run(
            ["audit", "checkpoint", "--witness", url1, "--witness", url2], capsys
        )
        assert code == 0, err
        assert signed.count("\n— ") + signed.startswith("— ") == 3  # log + two witnesses
        (tmp_path / "cp10.txt").write_text(signed)
        assert count_cosignatures(signed, [WitnessKey.parse(key1), WitnessKey.parse(key2)]) == [
            "clerk",
            "aclu",
        ]
        code, out, _ = run(
            [
                "audit",
                "verify",
                "--checkpoint",
                str(tmp_path / "cp10.txt"),
                "--witness-key",
                key1,
                "--witness-key",
                key2,
                "--quorum",
                "2",
            ],
            capsys,
        )
        assert code == 0, out

        # The witnesses hold 10; the next checkpoint goes through 409 and a proof.
        append_events(store, 5)
        code, signed15, err = run(["audit", "checkpoint", "--witness", url1], capsys)
        assert code == 0, err
        (tmp_path / "cp15.txt").write_text(signed15)
        code, out, _ = run(
            [
                "audit",
                "verify",
                "--checkpoint",
                str(tmp_path / "cp15.txt"),
                "--witness-key",
                key1,
                "--witness-key",
                key2,
                "--quorum",
                "2",
            ],
            capsys,
        )
        assert code == 1 and "1 valid witness cosignature(s), 2 required" in out

        # A forked tree of size 15, signed by the log's own key, is refused: 422.
        signer = load_signer(setting.key_path)
        fork = Checkpoint(origin, 15, "ab" * 32).sign(signer)
        status, body = post(url1, request_body(15, [], fork))
        assert status == 422, body
        # Its proof from 10 is the honest one, which does not lead to the forked root.
        proof = prove_consistency(store, setting, 10, 15).hashes_list()
        status, _ = post(url2, request_body(10, proof, fork))
        assert status == 422
        # Wrong old size: 409 with the size held; another key: 403; unknown log: 404.
        status, body = post(url1, request_body(3, [], fork))
        assert (status, body) == (409, "15\n")
        stranger = Signer.generate("leadreview.local-audit")
        status, _ = post(
            url1, request_body(15, [], Checkpoint(origin, 15, "ab" * 32).sign(stranger))
        )
        assert status == 403
        status, _ = post(
            url1, request_body(0, [], Checkpoint("elsewhere/x", 1, "ab" * 32).sign(signer))
        )
        assert status == 404
        for garbage in (b"", b"\xff\xfe", b"old x\n\nzz", b"old 1\n!!!\n\n" + fork.encode()):
            assert post(url1, garbage)[0] == 400

    # A restarted witness remembers what it cosigned.
    with witness_process(tmp_path, "clerk", origin, log_key) as (url1, _):
        status, body = post(url1, request_body(0, [], make_checkpoint(store, setting).signed))
        assert (status, body) == (409, "15\n")
    store.dispose()


def test_an_unreachable_witness_is_one_line_and_the_checkpoint_is_kept(
    tmp_path: Path, sqlite_url: str, setting: AuditContext, capsys: pytest.CaptureFixture[str]
) -> None:
    store = open_store(url=sqlite_url)
    append_events(store, 3)
    store.dispose()
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, out, err = run(["audit", "checkpoint", "--witness", f"http://127.0.0.1:{port}"], capsys)
    assert code == 1
    assert out.startswith("leadreview.local/audit/")
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("leadreview: error: 1 of 1 witness(es)")
    code, _, err = run(["audit", "checkpoint", "--witness", "file:///etc/passwd"], capsys)
    assert code == 1 and "not an http" in err
