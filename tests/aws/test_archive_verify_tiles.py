"""`audit verify --from-s3` reads the archive's tlog-tiles copy (P9, P11): the tree and
its checkpoint verify from S3 alone, a changed tile or entry bundle (a newer version put
over the locked one) fails naming the object, and `--witness-key … --quorum N` counts the
cosignatures on the archive's newest checkpoint."""

from pathlib import Path
from typing import Any

import pytest

from leadreview.cli.app import main
from leadreview.store import open_store
from tests.aws.conftest import BUCKET
from tests.support.audit import append_events
from tests.support.witnesses import run, witness_process

PREFIX = "leadreview"
TILES = f"{PREFIX}/tiles/"


@pytest.fixture
def archived(archive_settings: str, s3: Any) -> None:
    """A log of 300 events archived in two runs (full and partial tiles)."""
    store = open_store(url=archive_settings)
    append_events(store, 40, batch=40)
    main(["audit", "archive", "--bucket", BUCKET, "--prefix", PREFIX])
    append_events(store, 260, batch=130)
    main(["audit", "archive", "--bucket", BUCKET, "--prefix", PREFIX])
    store.dispose()


def key_text(capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    main(["audit", "key"])
    return capsys.readouterr().out.strip()


def test_the_tiles_copy_verifies_from_s3_alone(
    archived: None, s3: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    key = key_text(capsys)
    code, out, err = run(
        ["audit", "verify", "--from-s3", f"{BUCKET}/{PREFIX}", "--key", key], capsys
    )
    assert code == 0, out + err
    assert out.startswith(f"ok: s3://{BUCKET}/{PREFIX}/: 300 events verified")
    # Two segment checkpoints and two versions of tiles/checkpoint (the older one must be
    # extended by the tree the tiles hold).
    assert "4 checkpoint(s) extended" in out


def test_the_archive_must_extend_a_checkpoint_given(
    archived: None, s3: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from leadreview.audit.checkpoint import Checkpoint, read_unverified
    from leadreview.audit.keys import load_signer

    key = key_text(capsys)
    current = s3.get_object(Bucket=BUCKET, Key=f"{TILES}checkpoint")["Body"].read().decode()
    origin = read_unverified(current).origin
    # A checkpoint of 310 events this key signed: the archive (300) falls short of it.
    later = Checkpoint(origin, 310, "ef" * 32).sign(load_signer(tmp_path / "key" / "signing.key"))
    (tmp_path / "later.txt").write_text(later)
    verify = ["audit", "verify", "--from-s3", f"{BUCKET}/{PREFIX}", "--key", key]

    code, out, _ = run([*verify, "--checkpoint", str(tmp_path / "later.txt")], capsys)

    assert code == 1
    assert "seq 310: not an extension of checkpoint" in out and "truncated" in out


def test_a_changed_entry_bundle_fails_naming_the_object_and_the_event(
    archived: None, s3: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    key = key_text(capsys)
    bundle = f"{TILES}tile/entries/000"
    original = s3.get_object(Bucket=BUCKET, Key=bundle)["Body"].read()
    tampered = original.replace(b'"lead":7,', b'"lead":8,', 1)
    assert tampered != original and len(tampered) == len(original)
    s3.put_object(Bucket=BUCKET, Key=bundle, Body=tampered)  # over the locked version

    code, out, _ = run(["audit", "verify", "--from-s3", f"{BUCKET}/{PREFIX}", "--key", key], capsys)

    assert code == 1
    assert "first bad sequence number: 7" in out
    assert (
        f"seq 7: digest mismatch: the entry does not hash to its leaf in "
        f"s3://{BUCKET}/{TILES}tile/0/000" in out
    )
    assert f"s3://{BUCKET}/{bundle}: 2 versions: a sealed object was overwritten" in out
    # The segments themselves are intact: only the tiles copy is named.
    assert "segments/" not in out


def test_a_changed_hash_tile_fails_naming_it(
    archived: None, s3: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    key = key_text(capsys)
    tile = f"{TILES}tile/1/000.p/1"
    original = s3.get_object(Bucket=BUCKET, Key=tile)["Body"].read()
    s3.put_object(Bucket=BUCKET, Key=tile, Body=bytes([original[0] ^ 1]) + original[1:])

    code, out, _ = run(["audit", "verify", "--from-s3", f"{BUCKET}/{PREFIX}", "--key", key], capsys)

    assert code == 1
    assert f"merkle tree mismatch: s3://{BUCKET}/{tile}: not the tree of the entries" in out
    assert f"s3://{BUCKET}/{tile}: 2 versions" in out


def test_a_tiles_checkpoint_signed_by_another_key_fails(
    archived: None, s3: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from leadreview.audit.checkpoint import read_unverified
    from leadreview.audit.note import Signer

    key = key_text(capsys)
    current = s3.get_object(Bucket=BUCKET, Key=f"{TILES}checkpoint")["Body"].read().decode()
    forged = read_unverified(current).sign(Signer.generate("someone-else"))
    s3.put_object(Bucket=BUCKET, Key=f"{TILES}checkpoint", Body=forged.encode())

    code, out, _ = run(["audit", "verify", "--from-s3", f"{BUCKET}/{PREFIX}", "--key", key], capsys)

    assert code == 1
    assert f"bad checkpoint: s3://{BUCKET}/{TILES}checkpoint: " in out


def test_the_archive_checkpoint_carries_a_witness_quorum(
    archive_settings: str,
    s3: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from leadreview.audit.service import AuditContext

    store = open_store(url=archive_settings)
    append_events(store, 12)
    context = AuditContext(
        tmp_path / "key" / "signing.key",
        tmp_path / "data" / "checkpoints",
        "leadreview.local/audit",
    )
    origin = context.log_origin(store)
    key = key_text(capsys)
    location = f"{BUCKET}/{PREFIX}"
    with (
        witness_process(tmp_path, "clerk", origin, key) as (url1, key1),
        witness_process(tmp_path, "aclu", origin, key) as (_, key2),
    ):
        code, _, err = run(
            ["audit", "archive", "--bucket", BUCKET, "--prefix", PREFIX, "--witness", url1], capsys
        )
        assert code == 0, err
        verify = ["audit", "verify", "--from-s3", location, "--key", key, "--witness-key", key1]
        code, out, _ = run(verify, capsys)
        assert code == 0, out
        code, out, _ = run([*verify, "--witness-key", key2, "--quorum", "2"], capsys)
        assert code == 1
        assert f"s3://{BUCKET}/{TILES}checkpoint: 1 valid witness cosignature(s), 2 required" in out
        # A run whose witness is unreachable archives, says so, and the quorum then fails.
        append_events(store, 3)
        code, _, err = run(
            ["audit", "archive", "--bucket", BUCKET, "--prefix", PREFIX, "--witness", url1 + "9"],
            capsys,
        )
        assert code == 1 and "1 of 1 witness(es) did not cosign" in err
        code, out, _ = run(verify, capsys)
        assert code == 1 and "0 valid witness cosignature(s), 1 required" in out
    store.dispose()
