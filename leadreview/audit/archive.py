"""The write-once archive (P9): the log sealed into segments in an S3 bucket whose objects
are under Object Lock in COMPLIANCE mode, and verification from that archive alone.

Layout under `s3://BUCKET/PREFIX/segments/<first>-<last>/` (sequence numbers, 12 digits):

    events.jsonl    events first..last, one export record per line (as `audit export`)
    checkpoint.txt  a signed C2SP checkpoint of size `last`
    manifest.json   format, range, head and the SHA-256 of both files; put last, so a
                    segment is sealed exactly when its manifest exists

Rules the code keeps, and tests/test_archive.py checks on the recorded boto3 calls
(S3 would refuse some of them, moto refuses none):
- every object is put with ObjectLockMode=COMPLIANCE and a retain-until date;
- a retention date is never shortened: an existing object keeps a later date, and
  PutObjectRetention is only ever sent with a strictly later one;
- BypassGovernanceRetention is never sent, and nothing is ever deleted;
- an object that exists is never overwritten: a re-run after a crash finds the same bytes
  (events are immutable, Ed25519 signatures deterministic) and only completes the segment.

Verification downloads the segments into a temporary export directory and runs the
audit package's own `verify_export` on it (one chain walker for every source), and adds
what only S3 can show: an object with more than one version (overwritten) or a delete
marker, and a file whose digest differs from its segment's manifest.
"""

import hashlib
import json
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from leadreview.audit.canonical import canonical_json, format_time
from leadreview.audit.checkpoint import Checkpoint, CheckpointError, open_checkpoint
from leadreview.audit.export import CHECKPOINT_SUBDIR, EXPORT_COLUMNS, verify_export
from leadreview.audit.models import ROW_COLUMNS, RawRow
from leadreview.audit.note import Signer, Verifier
from leadreview.audit.service import verify_store
from leadreview.audit.verify import Break, BreakKind, VerifyReport
from leadreview.errors import ConfigurationError, LeadreviewError
from leadreview.store.store import Store

if TYPE_CHECKING:
    from leadreview.settings import AwsSettings

# boto3's S3 client. mypy-boto3-s3 for boto3 1.44 is not yet installable here; when it
# is, this becomes `mypy_boto3_s3.S3Client`.
S3Client = Any

FORMAT = "leadreview-archive/1"
SEGMENTS = "segments"
EVENTS = "events.jsonl"
CHECKPOINT = "checkpoint.txt"
MANIFEST = "manifest.json"
LOCK_MODE = "COMPLIANCE"
MAX_SEGMENT_EVENTS = 50_000
_SEGMENT_FILE = re.compile(r"^(\d{12})-(\d{12})/(events\.jsonl|checkpoint\.txt|manifest\.json)$")
_ROWS_SQL = (
    f"SELECT {', '.join(ROW_COLUMNS)} FROM audit_event "
    "WHERE seq >= :first AND seq <= :last ORDER BY seq"
)


class ArchiveError(LeadreviewError):
    """The archive cannot be written or read as asked; nothing was overwritten or deleted."""


@dataclass(frozen=True, order=True)
class SegmentRange:
    first: int
    last: int

    def folder(self, root: str) -> str:
        return f"{root}{SEGMENTS}/{self.first:012d}-{self.last:012d}/"


@dataclass(frozen=True)
class ObjectVersion:
    version_id: str
    is_latest: bool
    delete_marker: bool


@dataclass
class ArchiveListing:
    """Every version of every object under the archive's `segments/` folder."""

    root: str
    files: dict[SegmentRange, dict[str, list[ObjectVersion]]] = field(default_factory=dict)
    stray: list[str] = field(default_factory=list)

    def versions(self, segment: SegmentRange, name: str) -> list[ObjectVersion]:
        """Object versions (not delete markers), newest first."""
        found = self.files.get(segment, {}).get(name, [])
        return sorted((v for v in found if not v.delete_marker), key=lambda v: not v.is_latest)

    def current(self, segment: SegmentRange, name: str) -> ObjectVersion | None:
        versions = self.versions(segment, name)
        return versions[0] if versions else None

    def sealed(self) -> list[SegmentRange]:
        return sorted(s for s in self.files if self.current(s, MANIFEST) is not None)

    def unsealed(self) -> list[SegmentRange]:
        return sorted(s for s in self.files if self.current(s, MANIFEST) is None)


@dataclass(frozen=True)
class ArchiveSummary:
    location: str
    sealed: tuple[SegmentRange, ...]  # sealed by this run
    events: int  # events sealed by this run
    archived_to: int  # the last sequence number in the archive after this run
    retain_until: datetime
    last_checkpoint: str | None  # the signed checkpoint of the newest segment sealed


def archive_root(prefix: str) -> str:
    cleaned = prefix.strip("/")
    return f"{cleaned}/" if cleaned else ""


def parse_s3_location(text: str) -> tuple[str, str]:
    """`BUCKET/PREFIX` (or `s3://BUCKET/PREFIX`) as (bucket, prefix)."""
    bucket, _, prefix = text.removeprefix("s3://").partition("/")
    if not bucket:
        raise ArchiveError(f"archive location {text!r}: expected BUCKET/PREFIX")
    return bucket, prefix


def make_s3_client(aws: "AwsSettings") -> S3Client:
    """An S3 client from `settings.aws` (region, profile, endpoint URL, retries)."""
    from botocore import exceptions as bx

    from leadreview.aws.clients import aws_client

    try:
        return cast("S3Client", aws_client("s3", aws))
    except bx.ProfileNotFound as exc:
        raise ConfigurationError(f"aws.profile: {exc}") from None
    except ValueError as exc:  # botocore: "Invalid endpoint: ..."
        raise ConfigurationError(f"aws.endpoint_url / aws.region cannot be used: {exc}") from None


@contextmanager
def s3_errors(bucket: str) -> Iterator[None]:
    """botocore's failures as one line naming the bucket and the operation."""
    from botocore import exceptions as bx

    from leadreview.search.backend_errors import NO_CREDENTIALS

    try:
        yield
    except bx.ClientError as exc:
        error = exc.response.get("Error", {})
        raise ArchiveError(
            f"s3://{bucket}: {exc.operation_name}: {error.get('Code', 'error')}: "
            f"{error.get('Message', '')}"
        ) from None
    except bx.NoCredentialsError:
        raise ConfigurationError(NO_CREDENTIALS) from None
    except bx.BotoCoreError as exc:
        raise ArchiveError(f"s3://{bucket}: {exc}") from None


# --- reading what is there -------------------------------------------------------------


def bucket_default_retention(s3: S3Client, bucket: str) -> timedelta | None:
    """The bucket's default retention; refuses, in one line, a bucket without Object Lock."""
    from botocore.exceptions import ClientError

    try:
        config = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ObjectLockConfigurationNotFoundError":
            raise
        config = {}
    if config.get("ObjectLockEnabled") != "Enabled":
        raise ArchiveError(
            f"bucket {bucket!r} has no Object Lock: refusing to archive where objects can "
            "be deleted (create the bucket with Object Lock enabled)"
        )
    default = config.get("Rule", {}).get("DefaultRetention", {})
    days = int(default.get("Days") or 0) + 365 * int(default.get("Years") or 0)
    return timedelta(days=days) if days else None


def read_listing(s3: S3Client, bucket: str, root: str) -> ArchiveListing:
    listing = ArchiveListing(root)
    folder = f"{root}{SEGMENTS}/"
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=folder):
        entries = [(v, False) for v in page.get("Versions", [])]
        entries += [(m, True) for m in page.get("DeleteMarkers", [])]
        for entry, marker in entries:
            key = entry["Key"]
            match = _SEGMENT_FILE.match(key.removeprefix(folder))
            if match is None:
                listing.stray.append(key)
                continue
            segment = SegmentRange(int(match[1]), int(match[2]))
            version = ObjectVersion(entry["VersionId"], bool(entry.get("IsLatest")), marker)
            listing.files.setdefault(segment, {}).setdefault(match[3], []).append(version)
    return listing


def _get(s3: S3Client, bucket: str, key: str, version: ObjectVersion) -> tuple[bytes, Any, Any]:
    """(body, lock mode, retain-until) of one object version."""
    got = s3.get_object(Bucket=bucket, Key=key, VersionId=version.version_id)
    return got["Body"].read(), got.get("ObjectLockMode"), got.get("ObjectLockRetainUntilDate")


# --- writing ---------------------------------------------------------------------------


def retention_until(now: datetime, retain_days: int | None, default: timedelta | None) -> datetime:
    """Now plus the longer of the asked and the bucket's default retention: asking for
    fewer days than the bucket's rule never gives an object a shorter lock."""
    periods = [p for p in (default, timedelta(days=retain_days) if retain_days else None) if p]
    if not periods:
        raise ArchiveError("give --retain-days: the bucket has no default retention period")
    return (now + max(periods)).astimezone(UTC).replace(microsecond=0)


def keep_retention(
    s3: S3Client,
    bucket: str,
    key: str,
    *,
    version_id: str,
    mode: Any,
    until: Any,
    wanted: datetime,
) -> None:
    """Make an existing object's lock at least COMPLIANCE until `wanted`, never less."""
    if mode == LOCK_MODE and isinstance(until, datetime) and until >= wanted:
        return  # already as long or longer: a later date is kept
    later = max(until, wanted) if isinstance(until, datetime) else wanted
    s3.put_object_retention(
        Bucket=bucket,
        Key=key,
        VersionId=version_id,
        Retention={"Mode": LOCK_MODE, "RetainUntilDate": later},
    )


def put_once(
    s3: S3Client,
    bucket: str,
    key: str,
    *,
    body: bytes,
    content_type: str,
    retain_until: datetime,
    existing: ObjectVersion | None,
) -> None:
    """Put `body` locked until `retain_until`, unless the same bytes are already there."""
    if existing is not None:
        stored, mode, until = _get(s3, bucket, key, existing)
        if stored != body:
            raise ArchiveError(
                f"s3://{bucket}/{key} already holds other content "
                f"(sha256 {hashlib.sha256(stored).hexdigest()[:12]}): a sealed object is "
                "never overwritten; the log or the signing key changed since it was written"
            )
        keep_retention(
            s3,
            bucket,
            key,
            version_id=existing.version_id,
            mode=mode,
            until=until,
            wanted=retain_until,
        )
        return
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=body,
        ContentType=content_type,
        ChecksumAlgorithm="SHA256",
        ObjectLockMode=LOCK_MODE,
        ObjectLockRetainUntilDate=retain_until,
    )


def _events_bytes(rows: Sequence[RawRow]) -> bytes:
    # Exactly the export's JSONL records, so verify_export reads a segment as an export.
    return "".join(
        json.dumps(dict(zip(EXPORT_COLUMNS, row, strict=True)), ensure_ascii=False) + "\n"
        for row in rows
    ).encode("utf-8")


def _read_rows(store: Store, segment: SegmentRange) -> list[RawRow]:
    from sqlalchemy import text

    with store.reading() as session:
        result = session.execute(text(_ROWS_SQL), {"first": segment.first, "last": segment.last})
        rows = [tuple(r) for r in result]
    if len(rows) != segment.last - segment.first + 1:
        raise ArchiveError(f"events {segment.first}–{segment.last} are not all in the log")
    return rows


def seal_segment(
    s3: S3Client,
    bucket: str,
    listing: ArchiveListing,
    segment: SegmentRange,
    rows: Sequence[RawRow],
    *,
    signer: Signer,
    origin: str,
    retain_until: datetime,
    now: datetime,
) -> str:
    """Upload one segment (events, checkpoint, then manifest); returns its checkpoint."""
    events = _events_bytes(rows)
    signed = Checkpoint.of_head(origin, segment.last, str(rows[-1][7])).sign(signer)
    folder = segment.folder(listing.root)
    files = (
        (EVENTS, events, "application/x-ndjson"),
        (CHECKPOINT, signed.encode("utf-8"), "text/plain; charset=utf-8"),
    )
    for name, body, content_type in files:
        existing = listing.current(segment, name)
        put_once(
            s3,
            bucket,
            folder + name,
            body=body,
            content_type=content_type,
            retain_until=retain_until,
            existing=existing,
        )
    manifest = {
        "format": FORMAT,
        "origin": origin,
        "first_seq": segment.first,
        "last_seq": segment.last,
        "prev_digest": rows[0][6],
        "head_digest": rows[-1][7],
        "events_sha256": hashlib.sha256(events).hexdigest(),
        "checkpoint_sha256": hashlib.sha256(signed.encode("utf-8")).hexdigest(),
        "sealed_at": format_time(now),
        "retain_until": format_time(retain_until),
    }
    body = canonical_json(manifest).encode("utf-8")
    put_once(
        s3,
        bucket,
        folder + MANIFEST,
        body=body,
        content_type="application/json",
        retain_until=retain_until,
        existing=None,
    )
    return signed


def _archived_checkpoint(
    s3: S3Client, bucket: str, listing: ArchiveListing, signer: Signer, origin: str
) -> Checkpoint | None:
    sealed = listing.sealed()
    if not sealed:
        return None
    last = sealed[-1]
    version = listing.current(last, CHECKPOINT)
    key = last.folder(listing.root) + CHECKPOINT
    if version is None:
        raise ArchiveError(f"s3://{bucket}/{key}: missing from a sealed segment")
    body, _, _ = _get(s3, bucket, key, version)
    try:
        checkpoint = open_checkpoint(body.decode("utf-8"), [signer.verifier()], origin=origin)
    except (CheckpointError, UnicodeDecodeError) as exc:
        raise ArchiveError(f"s3://{bucket}/{key}: {exc}") from None
    if checkpoint.size != last.last:
        raise ArchiveError(f"s3://{bucket}/{key}: covers {checkpoint.size} events, not {last.last}")
    return checkpoint


def plan_segments(
    archived_to: int, head: int, unsealed: Sequence[SegmentRange], max_events: int
) -> list[SegmentRange]:
    """The segments to seal after `archived_to`: first an unsealed one a crashed run left
    at that point (same boundaries, so the same bytes), then chunks up to the head."""
    pending = {s.first: s for s in unsealed}
    planned: list[SegmentRange] = []
    start = archived_to + 1
    while start <= head:
        segment = pending.get(start) or SegmentRange(start, min(head, start + max_events - 1))
        if segment.last > head:
            raise ArchiveError(
                f"an unsealed segment {segment.first}–{segment.last} in the archive goes "
                f"beyond the log's head {head}"
            )
        planned.append(segment)
        start = segment.last + 1
    return planned


def archive_log(
    store: Store,
    s3: S3Client,
    *,
    bucket: str,
    prefix: str,
    signer: Signer,
    origin: str,
    retain_days: int | None = None,
    seen: Sequence[Checkpoint] = (),
    now: datetime | None = None,
    max_segment_events: int = MAX_SEGMENT_EVENTS,
) -> ArchiveSummary:
    """Seal the events since the last sealed segment; re-running seals only new events.

    Refuses a bucket without Object Lock, and a log that does not verify or does not
    extend the archive's last checkpoint and every checkpoint in `seen` (a rewritten
    log is never archived as if it continued the sealed one).
    """
    moment = now or datetime.now(UTC)
    root = archive_root(prefix)
    with s3_errors(bucket):
        retain_until = retention_until(moment, retain_days, bucket_default_retention(s3, bucket))
        listing = read_listing(s3, bucket, root)
        archived = _archived_checkpoint(s3, bucket, listing, signer, origin)
        report = verify_store(store, [*seen, archived] if archived else list(seen))
        if not report.ok:
            first = sorted(report.breaks, key=lambda b: b.seq)[0]
            raise ArchiveError(
                f"the log does not verify ({first.line()}): nothing archived; "
                "run `leadreview audit verify`"
            )
        archived_to = archived.size if archived else 0
        plan = plan_segments(archived_to, report.head_seq, listing.unsealed(), max_segment_events)
        signed: str | None = None
        for segment in plan:
            rows = _read_rows(store, segment)
            signed = seal_segment(
                s3,
                bucket,
                listing,
                segment,
                rows,
                signer=signer,
                origin=origin,
                retain_until=retain_until,
                now=moment,
            )
    return ArchiveSummary(
        location=f"s3://{bucket}/{root}",
        sealed=tuple(plan),
        events=sum(s.last - s.first + 1 for s in plan),
        archived_to=plan[-1].last if plan else archived_to,
        retain_until=retain_until,
        last_checkpoint=signed,
    )


# --- verifying -------------------------------------------------------------------------


def _listing_breaks(listing: ArchiveListing, bucket: str) -> list[Break]:
    breaks: list[Break] = []
    for segment, files in sorted(listing.files.items()):
        for name, entries in sorted(files.items()):
            url = f"s3://{bucket}/{segment.folder(listing.root)}{name}"
            versions = [v for v in entries if not v.delete_marker]
            if len(versions) > 1:
                detail = f"{url}: {len(versions)} versions: a sealed object was overwritten"
                breaks.append(Break(0, BreakKind.MALFORMED, detail))
            if any(v.delete_marker for v in entries):
                detail = f"{url}: deleted (a delete marker hides the locked version)"
                breaks.append(Break(0, BreakKind.MALFORMED, detail))
    for key in listing.stray:
        detail = f"s3://{bucket}/{key}: not an archive object"
        breaks.append(Break(0, BreakKind.MALFORMED, detail))
    return breaks


def _fetch_segment(
    s3: S3Client,
    bucket: str,
    listing: ArchiveListing,
    segment: SegmentRange,
    *,
    events_out: IO[bytes],
    checkpoint_path: Path,
) -> list[Break]:
    """Append the segment's events to `events_out`, write its checkpoint; list problems."""
    folder = f"s3://{bucket}/{segment.folder(listing.root)}"
    manifest_version = listing.current(segment, MANIFEST)
    assert manifest_version is not None  # only sealed segments are fetched
    body, _, _ = _get(s3, bucket, segment.folder(listing.root) + MANIFEST, manifest_version)
    try:
        manifest = json.loads(body)
        expected = {n: manifest[f"{n.split('.')[0]}_sha256"] for n in (EVENTS, CHECKPOINT)}
        if (manifest["first_seq"], manifest["last_seq"]) != (segment.first, segment.last):
            raise ValueError("its range is not the segment's")
    except (ValueError, KeyError, TypeError) as exc:
        return [Break(0, BreakKind.MALFORMED, f"{folder}{MANIFEST}: unusable manifest ({exc})")]
    breaks: list[Break] = []
    for name in (EVENTS, CHECKPOINT):
        version = listing.current(segment, name)
        if version is None:
            breaks.append(Break(0, BreakKind.MISSING, f"{folder}{name}: missing"))
            continue
        data, mode, _ = _get(s3, bucket, segment.folder(listing.root) + name, version)
        digest = hashlib.sha256(data).hexdigest()
        if digest != expected[name]:
            detail = (
                f"{folder}{name}: hashes to {digest[:12]}… but the manifest says "
                f"{str(expected[name])[:12]}…"
            )
            breaks.append(Break(0, BreakKind.DIGEST_MISMATCH, detail))
        if mode != LOCK_MODE:
            detail = f"{folder}{name}: not under {LOCK_MODE} retention (mode {mode})"
            breaks.append(Break(0, BreakKind.MALFORMED, detail))
        if name == EVENTS:
            events_out.write(data if data.endswith(b"\n") or not data else data + b"\n")
        else:
            checkpoint_path.write_bytes(data)
    return breaks


def verify_archive(
    s3_client: S3Client, bucket: str, prefix: str, verifier: Verifier
) -> VerifyReport:
    """Verify the archive alone: every sealed segment's chain and checkpoint, signed by
    `verifier`'s key, plus every overwritten, deleted or mismatching object."""
    root = archive_root(prefix)
    location = f"s3://{bucket}/{root}"
    with s3_errors(bucket), tempfile.TemporaryDirectory(prefix="leadreview-archive-") as tmp:
        directory = Path(tmp)
        (directory / CHECKPOINT_SUBDIR).mkdir()
        listing = read_listing(s3_client, bucket, root)
        breaks = _listing_breaks(listing, bucket)
        renames: dict[str, str] = {str(directory): location}
        with (directory / EVENTS).open("wb") as events_out:
            for segment in listing.sealed():
                copy = directory / CHECKPOINT_SUBDIR / f"checkpoint-{segment.last:012d}.txt"
                renames[str(copy)] = f"{location}{segment.folder('')}{CHECKPOINT}"
                breaks += _fetch_segment(
                    s3_client,
                    bucket,
                    listing,
                    segment,
                    events_out=events_out,
                    checkpoint_path=copy,
                )
        report = verify_export(directory, [verifier])
    # Name S3 objects, not the temporary files they were checked in.
    for index, found in enumerate(report.breaks):
        detail = found.detail
        for local, remote in sorted(renames.items(), key=lambda kv: -len(kv[0])):
            detail = detail.replace(local, remote)
        report.breaks[index] = replace(found, detail=detail)
    report.source = location
    report.breaks.extend(breaks)
    return report
