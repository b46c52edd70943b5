"""The write-once archive's storage: S3 with Object Lock, the bucket's listing, and
putting an object exactly once under COMPLIANCE retention, never shortening it (P9).
See archive.py for the layout and the rules."""

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from leadreview.errors import ConfigurationError, LeadreviewError

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
    """An S3 client from `settings.aws` (region, profile, endpoint URL, retries: see
    `leadreview.aws.clients`)."""
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


def get_version(
    s3: S3Client, bucket: str, key: str, version: ObjectVersion, max_bytes: int | None = None
) -> tuple[bytes, Any, Any]:
    """(body, lock mode, retain-until) of one object version; with `max_bytes`, no more
    than one byte past it is read (so a caller can tell the object is too large)."""
    got = s3.get_object(Bucket=bucket, Key=key, VersionId=version.version_id)
    body = got["Body"].read() if max_bytes is None else got["Body"].read(max_bytes + 1)
    return body, got.get("ObjectLockMode"), got.get("ObjectLockRetainUntilDate")


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
        stored, mode, until = get_version(s3, bucket, key, existing)
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
