"""`audit archive` also keeps a C2SP tlog-tiles copy under Object Lock (P9, P11): every
tile put once under COMPLIANCE retention, the checkpoint a new locked version per run,
and the copy verifies offline like a tiles export."""

from pathlib import Path
from typing import Any

import pytest

from leadreview.audit.note import Verifier
from leadreview.audit.tiles_verify import verify_tiles
from leadreview.cli.app import main
from leadreview.store import open_store
from tests.aws.test_archive import BUCKET, PREFIX
from tests.support.audit import append_events


def _download(client: Any, directory: Path) -> int:
    count = 0
    for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=BUCKET, Prefix=f"{PREFIX}/tiles/"
    ):
        for item in page.get("Contents", []):
            relative = item["Key"].removeprefix(f"{PREFIX}/tiles/")
            target = directory / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(client.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read())
            count += 1
    return count


def test_the_archive_keeps_a_locked_tiles_copy_that_verifies(
    archive_settings: str,
    s3: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store = open_store(url=archive_settings)
    append_events(store, 5)
    main(["audit", "archive", "--bucket", BUCKET, "--prefix", PREFIX, "--retain-days", "7"])
    append_events(store, 300, batch=100)
    main(["audit", "archive", "--bucket", BUCKET, "--prefix", PREFIX, "--retain-days", "7"])
    store.dispose()
    capsys.readouterr()
    main(["audit", "key"])
    key = Verifier.parse(capsys.readouterr().out.strip())

    # The CLI makes its own client, so the bucket itself is the record.
    versions = s3.list_object_versions(Bucket=BUCKET, Prefix=f"{PREFIX}/tiles/")
    assert not versions.get("DeleteMarkers")
    by_key: dict[str, int] = {}
    for version in versions["Versions"]:
        by_key[version["Key"]] = by_key.get(version["Key"], 0) + 1
        head = s3.head_object(Bucket=BUCKET, Key=version["Key"], VersionId=version["VersionId"])
        assert head["ObjectLockMode"] == "COMPLIANCE"
    checkpoint_key = f"{PREFIX}/tiles/checkpoint"
    assert by_key.pop(checkpoint_key) == 2  # one per run; the first stays locked
    assert set(by_key.values()) == {1}  # every tile put once
    # The first run's partial tiles stay beside the full ones that replaced them.
    assert f"{PREFIX}/tiles/tile/entries/000.p/5" in by_key
    assert f"{PREFIX}/tiles/tile/entries/000" in by_key

    assert _download(s3, tmp_path / "tiles") > 3
    report = verify_tiles(tmp_path / "tiles", [key])
    assert report.ok, report.lines()
    assert report.events == 305
