"""Verifying the write-once archive from S3 alone (see archive.py)."""

import hashlib
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import IO, TYPE_CHECKING

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
from leadreview.audit.export import CHECKPOINT_SUBDIR, verify_export
from leadreview.audit.note import Verifier
from leadreview.audit.verify import Break, BreakKind, VerifyReport
from leadreview.errors import InputFileError
from leadreview.io.limits import parse_json

if TYPE_CHECKING:
    pass

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
    except InputFileError as exc:
        return [Break(0, BreakKind.MALFORMED, f"unusable manifest {exc.message}")]
    except (ValueError, KeyError, TypeError) as exc:
        return [Break(0, BreakKind.MALFORMED, f"{folder}{MANIFEST}: unusable manifest ({exc})")]
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
