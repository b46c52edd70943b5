"""Verifying the write-once archive from S3 alone (see archive.py): its segments, and its
tlog-tiles copy (archive_tiles.py) read object by object through the same checks as a
tiles directory (tiles_verify.py)."""

import hashlib
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from leadreview.audit.archive_storage import (
    CHECKPOINT,
    EVENTS,
    LOCK_MODE,
    MANIFEST,
    ArchiveListing,
    S3Client,
    SegmentRange,
    archive_root,
    get_version,
    read_listing,
    s3_errors,
)
from leadreview.audit.archive_tiles import TILES
from leadreview.audit.checkpoint import Checkpoint, CheckpointError, open_checkpoint
from leadreview.audit.export import CHECKPOINT_SUBDIR, verify_export
from leadreview.audit.note import Verifier
from leadreview.audit.tiles_verify import CHECKPOINT_FILE, MAX_CHECKPOINT_BYTES, verify_tile_source
from leadreview.audit.verdict import Break, BreakKind, VerifyReport
from leadreview.errors import InputFileError
from leadreview.io.limits import parse_json

# A manifest is three digests and two numbers, about 250 bytes; read no more than this of
# whatever the bucket holds under its name.
MAX_MANIFEST_BYTES = 64 * 1024

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
    manifest_key = segment.folder(listing.root) + MANIFEST
    body, _, _ = get_version(s3, bucket, manifest_key, manifest_version, MAX_MANIFEST_BYTES)
    try:
        manifest = parse_json(body, f"{folder}{MANIFEST}", MAX_MANIFEST_BYTES)
        if not isinstance(manifest, dict):
            raise TypeError("not a JSON object")
        expected = {n: manifest[f"{n.split('.')[0]}_sha256"] for n in (EVENTS, CHECKPOINT)}
        if (manifest["first_seq"], manifest["last_seq"]) != (segment.first, segment.last):
            raise ValueError("its range is not the segment's")
    except (ValueError, KeyError, TypeError) as exc:
        return [Break(0, BreakKind.MALFORMED, f"{folder}{MANIFEST}: unusable manifest ({exc})")]
    except InputFileError as exc:
        return [Break(0, BreakKind.MALFORMED, f"unusable manifest {exc.message}")]
    breaks: list[Break] = []
    for name in (EVENTS, CHECKPOINT):
        version = listing.current(segment, name)
        if version is None:
            breaks.append(Break(0, BreakKind.MISSING, f"{folder}{name}: missing"))
            continue
        data, mode, _ = get_version(s3, bucket, segment.folder(listing.root) + name, version)
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
    s3_client: S3Client,
    bucket: str,
    prefix: str,
    verifier: Verifier,
    extra_checkpoints: Sequence[Path] = (),
) -> VerifyReport:
    """Verify the archive alone: every sealed segment's chain and checkpoint, signed by
    `verifier`'s key, plus every overwritten, deleted or mismatching object; the archived
    log must also extend `extra_checkpoints` (`--checkpoint FILE`)."""
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
        report = verify_export(directory, [verifier], extra_checkpoints)

        def remote(text: str) -> str:
            # Name S3 objects, not the temporary files they were checked in.
            for local, url in sorted(renames.items(), key=lambda kv: -len(kv[0])):
                text = text.replace(local, url)
            return text

        report.breaks = [replace(b, detail=remote(b.detail)) for b in report.breaks]
        if report.newest_checkpoint is not None:
            name, signed = report.newest_checkpoint
            report.newest_checkpoint = (remote(name), signed)
        report.source = location
        report.breaks.extend(breaks)
        _verify_tiles_copy(s3_client, bucket, root, verifier, report)
    return report


@dataclass
class S3Tiles:
    """The archive's `tiles/` folder as a TileSource: the current version of each object,
    with every version listed so that an overwritten or deleted tile is named."""

    s3: S3Client
    bucket: str
    prefix: str  # ends in "tiles/"
    versions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    problems: list[Break] = field(default_factory=list)

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def name(self, relative: str) -> str:
        return f"{self.location}{relative}"

    def read_versions(self) -> None:
        pages = self.s3.get_paginator("list_object_versions").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        for page in pages:
            for version in page.get("Versions", []):
                self.versions.setdefault(version["Key"], []).append(version)
            self.deleted.update(marker["Key"] for marker in page.get("DeleteMarkers", []))

    def read(self, relative: str, limit: int) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            got = self.s3.get_object(Bucket=self.bucket, Key=self.prefix + relative)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        if got.get("ObjectLockMode") != LOCK_MODE:
            detail = f"{self.name(relative)}: not under {LOCK_MODE} retention"
            self.problems.append(Break(0, BreakKind.MALFORMED, detail))
        if int(got.get("ContentLength", 0)) > limit:
            return None
        body: bytes = got["Body"].read(limit + 1)
        return body if len(body) <= limit else None

    def listing_breaks(self) -> list[Break]:
        breaks: list[Break] = []
        for key in sorted(self.versions.keys() | self.deleted):
            url = f"s3://{self.bucket}/{key}"
            count = len(self.versions.get(key, []))
            # A tile path names its content for good; only the checkpoint gets new versions.
            if count > 1 and key != self.prefix + CHECKPOINT_FILE:
                detail = f"{url}: {count} versions: a sealed object was overwritten"
                breaks.append(Break(0, BreakKind.MALFORMED, detail))
            if key in self.deleted:
                detail = f"{url}: deleted (a delete marker hides the locked version)"
                breaks.append(Break(0, BreakKind.MALFORMED, detail))
        return breaks

    def older_checkpoints(self, verifier: Verifier) -> tuple[list[Checkpoint], list[Break]]:
        """Every earlier version of `tiles/checkpoint`: the tree must extend each."""
        key = self.prefix + CHECKPOINT_FILE
        older: list[Checkpoint] = []
        breaks: list[Break] = []
        for version in self.versions.get(key, []):
            if version.get("IsLatest"):
                continue
            got = self.s3.get_object(Bucket=self.bucket, Key=key, VersionId=version["VersionId"])
            body = got["Body"].read(MAX_CHECKPOINT_BYTES + 1)
            try:
                older.append(open_checkpoint(body.decode("utf-8"), [verifier]))
            except (CheckpointError, UnicodeDecodeError) as exc:
                detail = f"s3://{self.bucket}/{key} (version {version['VersionId']}): {exc}"
                breaks.append(Break(0, BreakKind.BAD_CHECKPOINT, detail))
        return older, breaks


def _verify_tiles_copy(
    s3: S3Client, bucket: str, root: str, verifier: Verifier, report: VerifyReport
) -> None:
    """Check the archive's tiles copy, if it has one, and that it is the tree of the
    same events as the segments; merge what it finds into `report`."""
    tiles = S3Tiles(s3, bucket, root + TILES)
    tiles.read_versions()
    if not tiles.versions and not tiles.deleted:
        return  # an archive written before the tiles copy existed
    older, breaks = tiles.older_checkpoints(verifier)
    found = verify_tile_source(tiles, [verifier], older)
    breaks += tiles.listing_breaks() + tiles.problems
    if found.newest_checkpoint is not None:
        report.newest_checkpoint = found.newest_checkpoint
        if found.events != report.events:
            detail = (
                f"{tiles.name(CHECKPOINT_FILE)}: the tiles hold {found.events} events, "
                f"the segments {report.events}"
            )
            breaks.append(Break(0, BreakKind.TREE_MISMATCH, detail))
        elif found.root_hex != report.root_hex:
            detail = (
                f"{tiles.location}: merkle root {found.root_hex[:12]}… but the segments' "
                f"events have {report.root_hex[:12]}…"
            )
            breaks.append(Break(0, BreakKind.TREE_MISMATCH, detail))
    report.checkpoints += found.checkpoints
    report.breaks += found.breaks + breaks
