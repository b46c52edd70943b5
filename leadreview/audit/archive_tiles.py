"""The archive's tlog-tiles copy: `s3://BUCKET/PREFIX/tiles/` holds the same layout as
`audit export --format tiles` (tiles.py), every object under COMPLIANCE Object Lock.

A tile path names its content for good (a partial tile `…/N.p/W` and the full `…/N` are
different objects), so each tile is put once and never again. Only `tiles/checkpoint`
changes: each archive run puts a new version of it, and the versions before stay locked.
"""

from datetime import datetime

from leadreview.audit.archive_storage import LOCK_MODE, S3Client, put_once
from leadreview.audit.canonical import entry_bytes
from leadreview.audit.checkpoint import read_unverified
from leadreview.audit.stream import stream_rows
from leadreview.audit.tiles import tile_files
from leadreview.store.store import Store

TILES = "tiles/"


def _existing_keys(s3: S3Client, bucket: str, prefix: str) -> set[str]:
    keys: set[str] = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.update(item["Key"] for item in page.get("Contents", []))
    return keys


def publish_tiles(
    s3: S3Client, bucket: str, root: str, store: Store, signed: str, retain_until: datetime
) -> int:
    """Put the tiles of the tree `signed` covers that are not there yet, then the
    checkpoint; returns the number of objects put."""
    size = read_unverified(signed).size
    entries: list[bytes] = []
    for chunk in stream_rows(store):
        for row in chunk:
            if len(entries) < size:
                entries.append(entry_bytes(row))
    files = tile_files(entries, signed)
    prefix = root + TILES
    existing = _existing_keys(s3, bucket, prefix)
    put = 0
    for relative, body in files.items():
        key = prefix + relative
        if relative == "checkpoint" or key in existing:
            continue
        put_once(
            s3,
            bucket,
            key,
            body=body,
            content_type="application/octet-stream",
            retain_until=retain_until,
            existing=None,
        )
        put += 1
    # Last: a reader never finds a checkpoint whose tiles are not there yet.
    s3.put_object(
        Bucket=bucket,
        Key=prefix + "checkpoint",
        Body=files["checkpoint"],
        ContentType="text/plain; charset=utf-8",
        ChecksumAlgorithm="SHA256",
        ObjectLockMode=LOCK_MODE,
        ObjectLockRetainUntilDate=retain_until,
    )
    return put + 1
