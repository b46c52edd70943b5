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

The code is split as a tile-based log's is: storage (archive_storage.py: S3, Object Lock,
the listing, put-once), segments (archive_segments.py: planning and sealing) and
verification (archive_verify.py). This module names the public surface.
"""

from leadreview.audit.archive_segments import (
    ArchiveSummary,
    archive_log,
    plan_segments,
    seal_segment,
)
from leadreview.audit.archive_storage import (
    CHECKPOINT,
    EVENTS,
    FORMAT,
    LOCK_MODE,
    MANIFEST,
    MAX_SEGMENT_EVENTS,
    SEGMENTS,
    ArchiveError,
    ArchiveListing,
    ObjectVersion,
    S3Client,
    SegmentRange,
    archive_root,
    bucket_default_retention,
    keep_retention,
    make_s3_client,
    parse_s3_location,
    put_once,
    read_listing,
    retention_until,
    s3_errors,
)
from leadreview.audit.archive_verify import verify_archive

__all__ = [
    "CHECKPOINT",
    "EVENTS",
    "FORMAT",
    "LOCK_MODE",
    "MANIFEST",
    "MAX_SEGMENT_EVENTS",
    "SEGMENTS",
    "ArchiveError",
    "ArchiveListing",
    "ArchiveSummary",
    "ObjectVersion",
    "S3Client",
    "SegmentRange",
    "archive_log",
    "archive_root",
    "bucket_default_retention",
    "keep_retention",
    "make_s3_client",
    "parse_s3_location",
    "plan_segments",
    "put_once",
    "read_listing",
    "retention_until",
    "s3_errors",
    "seal_segment",
    "verify_archive",
]
