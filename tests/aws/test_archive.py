"""P9: the archive is write-once. moto plays an S3 bucket with Object Lock (COMPLIANCE);
what moto does not refuse (a governance bypass, a shortened retention) is checked on the
boto3 calls the archive code makes."""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from leadreview.audit.archive import (
    EVENTS,
    MANIFEST,
    ArchiveError,
    SegmentRange,
    archive_log,
    verify_archive,
)
from leadreview.audit.keys import key_name_for
from leadreview.audit.note import Signer
from leadreview.store import Store, open_store
from tests.support.audit import append_events, behind_the_guards

BUCKET = "wcso-audit-archive"
PREFIX = "leadreview"
ORIGIN = "test.leadreview.local/audit"


@pytest.fixture
def signer() -> Signer:
    return Signer.generate(key_name_for(ORIGIN))


def archive(store: Store, s3: Any, signer: Signer, **options: Any) -> Any:
    return archive_log(
        store, s3, bucket=BUCKET, prefix=PREFIX, signer=signer, origin=ORIGIN, **options
    )


def segment_key(first: int, last: int, name: str) -> str:
    return f"{SegmentRange(first, last).folder(PREFIX + '/')}{name}"


@dataclass
class CallRecorder:
    """Every S3 call the client makes: API parameters and the headers sent."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    def attach(self, client: Any) -> "CallRecorder":
        client.meta.events.register("before-parameter-build.s3.*", self._params)
        client.meta.events.register("before-call.s3.*", self._request)
        return self

    def _params(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.calls.append((model.name, dict(params)))

    def _request(self, params: dict[str, Any], **_: Any) -> None:
        self.headers.append({k.lower(): str(v) for k, v in params.get("headers", {}).items()})

    def of(self, operation: str) -> list[dict[str, Any]]:
        return [p for name, p in self.calls if name == operation]

    def assert_write_once(self) -> None:
        """No bypass, no delete, every put locked in COMPLIANCE, no date ever shortened."""
        for name, params in self.calls:
            assert "BypassGovernanceRetention" not in params, name
            assert not name.startswith("Delete"), name
        for headers in self.headers:
            assert "x-amz-bypass-governance-retention" not in headers
        until: dict[str, datetime] = {}
        for name, params in self.calls:
            if name == "PutObject":
                assert params["ObjectLockMode"] == "COMPLIANCE"
                until[params["Key"]] = params["ObjectLockRetainUntilDate"]
            elif name == "PutObjectRetention":
                retention = params["Retention"]
                assert retention["Mode"] == "COMPLIANCE"
                earlier = until.get(params["Key"])
                assert earlier is None or retention["RetainUntilDate"] > earlier
                until[params["Key"]] = retention["RetainUntilDate"]


def test_archive_then_verify_from_the_archive_alone(store: Store, s3: Any, signer: Signer) -> None:
    append_events(store, 30, batch=7)
    summary = archive(store, s3, signer, retain_days=30)

    assert summary.sealed == (SegmentRange(1, 30),) and summary.events == 30
    head = s3.head_object(Bucket=BUCKET, Key=segment_key(1, 30, EVENTS))
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"] >= summary.retain_until - timedelta(seconds=1)
    report = verify_archive(s3, BUCKET, PREFIX, signer.verifier())
    assert report.ok, report.lines()
    assert report.events == 30 and report.checkpoints == 1
    assert report.source == f"s3://{BUCKET}/{PREFIX}/"


def test_archiving_again_uploads_only_the_new_events(
    sqlite_store: Store, s3: Any, signer: Signer
) -> None:
    append_events(sqlite_store, 30)
    archive(sqlite_store, s3, signer)
    append_events(sqlite_store, 25)
    recorder = CallRecorder().attach(s3)

    summary = archive(sqlite_store, s3, signer, max_segment_events=10)

    assert summary.sealed == (SegmentRange(31, 40), SegmentRange(41, 50), SegmentRange(51, 55))
    keys = [p["Key"] for p in recorder.of("PutObject")]
    assert len(keys) == 9 and all("/000000000001-" not in k for k in keys)
    first_new = s3.get_object(Bucket=BUCKET, Key=segment_key(31, 40, EVENTS))["Body"].read()
    assert json.loads(first_new.splitlines()[0])["seq"] == 31

    calls_before = len(recorder.calls)
    again = archive(sqlite_store, s3, signer)
    assert again.sealed == () and again.archived_to == 55
    assert recorder.of("PutObject")[len(keys) :] == []
    assert len(recorder.calls) > calls_before  # it looked, and wrote nothing
    report = verify_archive(s3, BUCKET, PREFIX, signer.verifier())
    assert report.ok and report.events == 55 and report.checkpoints == 4
    recorder.assert_write_once()


def test_a_sealed_segment_cannot_be_deleted(sqlite_store: Store, s3: Any, signer: Signer) -> None:
    append_events(sqlite_store, 12)
    archive(sqlite_store, s3, signer)
    key = segment_key(1, 12, EVENTS)
    (version,) = s3.list_object_versions(Bucket=BUCKET, Prefix=key)["Versions"]
    sealed = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()

    with pytest.raises(ClientError) as refused:
        s3.delete_object(Bucket=BUCKET, Key=key, VersionId=version["VersionId"])
    assert refused.value.response["Error"]["Code"] == "AccessDenied"

    # A delete without a version only hides the object behind a delete marker.
    s3.delete_object(Bucket=BUCKET, Key=key)
    listed = s3.list_object_versions(Bucket=BUCKET, Prefix=key)
    assert [v["VersionId"] for v in listed["Versions"]] == [version["VersionId"]]
    assert len(listed["DeleteMarkers"]) == 1
    kept = s3.get_object(Bucket=BUCKET, Key=key, VersionId=version["VersionId"])
    assert kept["Body"].read() == sealed

    report = verify_archive(s3, BUCKET, PREFIX, signer.verifier())
    assert not report.ok
    assert report.bad_seqs == []  # the locked version still verifies…
    assert any(key in b.detail and "delete marker" in b.detail for b in report.breaks)


def test_one_changed_byte_in_a_segment_fails_naming_the_event(
    sqlite_store: Store, s3: Any, signer: Signer
) -> None:
    append_events(sqlite_store, 20)
    archive(sqlite_store, s3, signer)
    key = segment_key(1, 20, EVENTS)
    original = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    tampered = original.replace(b'\\"lead\\":7,', b'\\"lead\\":8,', 1)
    assert (
        len(tampered) == len(original)
        and sum(a != b for a, b in zip(original, tampered, strict=True)) == 1
    )
    # Object Lock keeps the sealed version, but anyone may add a newer one on top.
    s3.put_object(Bucket=BUCKET, Key=key, Body=tampered)

    report = verify_archive(s3, BUCKET, PREFIX, signer.verifier())

    assert not report.ok
    assert report.first_bad_seq == 7 and report.bad_seqs == [7]
    text = "\n".join(report.lines())
    assert "seq 7: digest mismatch" in text
    assert f"s3://{BUCKET}/{key}: 2 versions: a sealed object was overwritten" in text
    assert "but the manifest says" in text


def test_a_log_that_does_not_extend_the_archive_is_not_archived(
    sqlite_store: Store, s3: Any, signer: Signer
) -> None:
    append_events(sqlite_store, 10)
    archive(sqlite_store, s3, signer)
    with behind_the_guards(sqlite_store) as connection:
        connection.exec_driver_sql(
            "UPDATE audit_event SET payload = replace(payload, 'true', 'false') WHERE seq = 5"
        )
    append_events(sqlite_store, 3)
    recorder = CallRecorder().attach(s3)

    with pytest.raises(ArchiveError, match="seq 5: digest mismatch"):
        archive(sqlite_store, s3, signer)
    assert recorder.of("PutObject") == []


def test_a_bucket_without_object_lock_is_refused_in_one_line(
    sqlite_store: Store, s3: Any, signer: Signer
) -> None:
    s3.create_bucket(Bucket="plain-bucket")
    append_events(sqlite_store, 3)
    recorder = CallRecorder().attach(s3)

    with pytest.raises(ArchiveError) as refused:
        archive_log(
            sqlite_store, s3, bucket="plain-bucket", prefix="", signer=signer, origin=ORIGIN
        )

    assert "\n" not in refused.value.message
    assert "bucket 'plain-bucket' has no Object Lock" in refused.value.message
    assert [name for name, _ in recorder.calls] == ["GetObjectLockConfiguration"]


def test_recorded_calls_never_bypass_governance_nor_shorten_a_retention(
    sqlite_store: Store, s3: Any, signer: Signer
) -> None:
    recorder = CallRecorder().attach(s3)

    def crash_before_manifest(params: dict[str, Any], **_: Any) -> None:
        if params["Key"].endswith(MANIFEST):
            raise RuntimeError("crash before the manifest (injected)")

    append_events(sqlite_store, 8)
    s3.meta.events.register("before-parameter-build.s3.PutObject", crash_before_manifest)
    with pytest.raises(RuntimeError):
        archive(sqlite_store, s3, signer, retain_days=3650)
    s3.meta.events.unregister("before-parameter-build.s3.PutObject", crash_before_manifest)
    long_lock = s3.head_object(Bucket=BUCKET, Key=segment_key(1, 8, EVENTS))
    long_until = long_lock["ObjectLockRetainUntilDate"]

    # Resumed with a shorter retention and more events in the log: the crashed segment
    # is completed as it was, and its objects keep their later retain-until.
    append_events(sqlite_store, 4)
    resumed = archive(sqlite_store, s3, signer, retain_days=1)
    assert resumed.sealed == (SegmentRange(1, 8), SegmentRange(9, 12))
    for name in (EVENTS, "checkpoint.txt"):
        head = s3.head_object(Bucket=BUCKET, Key=segment_key(1, 8, name))
        assert head["ObjectLockRetainUntilDate"] == long_until
    assert recorder.of("PutObjectRetention") == []

    # Resumed with a longer retention than the crashed run's: only ever extended.
    append_events(sqlite_store, 2)
    s3.meta.events.register("before-parameter-build.s3.PutObject", crash_before_manifest)
    with pytest.raises(RuntimeError):
        archive(sqlite_store, s3, signer, retain_days=2)
    s3.meta.events.unregister("before-parameter-build.s3.PutObject", crash_before_manifest)
    archive(sqlite_store, s3, signer, retain_days=40)
    extended = recorder.of("PutObjectRetention")
    assert {p["Key"] for p in extended} == {
        segment_key(13, 14, EVENTS),
        segment_key(13, 14, "checkpoint.txt"),
    }

    recorder.assert_write_once()
    versions = s3.list_object_versions(Bucket=BUCKET, Prefix=PREFIX)
    assert "DeleteMarkers" not in versions
    assert len({v["Key"] for v in versions["Versions"]}) == len(versions["Versions"])
    assert verify_archive(s3, BUCKET, PREFIX, signer.verifier()).ok


def test_the_cli_archives_and_refuses_in_one_line(
    archive_settings: str,
    s3: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from leadreview.cli.app import main

    store = open_store(url=archive_settings)
    append_events(store, 5)
    store.dispose()

    main(["audit", "archive", "--bucket", BUCKET, "--prefix", PREFIX, "--retain-days", "7"])
    out = capsys.readouterr().out
    assert "sealed" in out and "5 event(s) archived" in out
    # Kept in the log's own folder (named by its origin) beside the checkpoint signed.
    assert len(list((tmp_path / "data" / "checkpoints").glob("*/checkpoint-000000000005.txt"))) == 1

    main(["audit", "archive", "--bucket", BUCKET, "--prefix", PREFIX])
    assert "up to date" in capsys.readouterr().out

    main(["audit", "key"])
    public_key = capsys.readouterr().out.strip()
    location = f"{BUCKET}/{PREFIX}"
    main(["audit", "verify", "--from-s3", location, "--key", public_key])
    assert "ok" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exited:
        main(["audit", "verify", "--from-s3", location])
    assert exited.value.code == 2
    assert "--from-s3 needs --key" in capsys.readouterr().err

    s3.create_bucket(Bucket="plain-bucket")
    with pytest.raises(SystemExit) as exited:
        main(["audit", "archive", "--bucket", "plain-bucket"])
    assert exited.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "no Object Lock" in lines[0]
    assert lines[0].startswith("leadreview: error: ")


def test_the_recorder_would_catch_a_bypass_or_a_shortened_date(s3: Any) -> None:
    """The check above is only worth something if it fails on the calls it forbids."""
    until = datetime.now(UTC) + timedelta(days=10)
    put = s3.put_object(
        Bucket=BUCKET,
        Key="probe",
        Body=b"x",
        ObjectLockMode="COMPLIANCE",
        ObjectLockRetainUntilDate=until,
    )
    shorten = CallRecorder().attach(s3)
    s3.put_object(
        Bucket=BUCKET,
        Key="k",
        Body=b"x",
        ObjectLockMode="COMPLIANCE",
        ObjectLockRetainUntilDate=until,
    )
    s3.put_object_retention(  # moto accepts a shorter date; S3 would not
        Bucket=BUCKET,
        Key="k",
        Retention={"Mode": "COMPLIANCE", "RetainUntilDate": until - timedelta(days=5)},
    )
    with pytest.raises(AssertionError):
        shorten.assert_write_once()

    bypass = CallRecorder().attach(s3)
    with pytest.raises(ClientError):
        s3.delete_object(
            Bucket=BUCKET, Key="probe", VersionId=put["VersionId"], BypassGovernanceRetention=True
        )
    assert "x-amz-bypass-governance-retention" in bypass.headers[-1]
    with pytest.raises(AssertionError):
        bypass.assert_write_once()


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "at most 65536 bytes"),
        (b"[" * 1_000 + b"]" * 1_000, "nested more than 64 levels deep"),
        (b'{"first_seq": ' + b"9" * 5_000 + b"}", "a number of 5000 digits"),
        (b'{"first_seq": NaN}', "NaN is not JSON"),
        (b'{"first_seq": 1e999}', "beyond the range of a float"),
    ],
    ids=["huge", "deep", "long-integer", "nan", "infinite"],
)
def test_a_hostile_manifest_is_a_break_naming_it(
    sqlite_store: Store, s3: Any, signer: Signer, body: bytes, needle: str
) -> None:
    """A manifest replaced by a newer version that would crash or exhaust the parser is
    read (at most 64 KiB of it) through the bounded parser and named as a break."""
    append_events(sqlite_store, 5)
    archive(sqlite_store, s3, signer)
    key = segment_key(1, 5, MANIFEST)
    s3.put_object(Bucket=BUCKET, Key=key, Body=body)

    report = verify_archive(s3, BUCKET, PREFIX, signer.verifier())

    assert not report.ok
    text = "\n".join(report.lines())
    assert f"unusable manifest s3://{BUCKET}/{key}" in text, text
    assert needle in text, text
