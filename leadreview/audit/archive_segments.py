"""Sealing the log into segments of the write-once archive (see archive.py)."""

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from leadreview.audit.archive_storage import (
    CHECKPOINT,
    EVENTS,
    FORMAT,
    MANIFEST,
    MAX_SEGMENT_EVENTS,
    ArchiveError,
    ArchiveListing,
    S3Client,
    SegmentRange,
    archive_root,
    bucket_default_retention,
    get_version,
    put_once,
    read_listing,
    retention_until,
    s3_errors,
)
from leadreview.audit.canonical import canonical_json, format_time
from leadreview.audit.checkpoint import Checkpoint, CheckpointError, open_checkpoint
from leadreview.audit.export import EXPORT_COLUMNS
from leadreview.audit.models import ROW_COLUMNS, RawRow
from leadreview.audit.note import Signer
from leadreview.audit.service import verify_store
from leadreview.store.store import Store

if TYPE_CHECKING:
    pass


_ROWS_SQL = (
    f"SELECT {', '.join(ROW_COLUMNS)} FROM audit_event "
    "WHERE seq >= :first AND seq <= :last ORDER BY seq"
)


@dataclass(frozen=True)
class ArchiveSummary:
    location: str
    sealed: tuple[SegmentRange, ...]  # sealed by this run
    events: int  # events sealed by this run
    archived_to: int  # the last sequence number in the archive after this run
    retain_until: datetime
    last_checkpoint: str | None  # the signed checkpoint of the newest segment sealed


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
    sign_tree: Callable[[int], str] | None = None,
) -> str:
    """Upload one segment (events, checkpoint, then manifest); returns its checkpoint.

    `sign_tree(size)` signs the Merkle root of the first `size` events (with the signer's
    consistency checks); without it the checkpoint carries the chain head, as before."""
    events = _events_bytes(rows)
    if sign_tree is not None:
        signed = sign_tree(segment.last)
    else:
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
    body, _, _ = get_version(s3, bucket, key, version)
    try:
        checkpoint = open_checkpoint(body.decode("utf-8"), [signer.verifier()])
        # An archive sealed before the log had an id names the bare prefix of its origin.
        if checkpoint.origin != origin and not origin.startswith(checkpoint.origin + "/"):
            raise CheckpointError(
                f"checkpoint origin {checkpoint.origin!r} is not this log's origin {origin!r}"
            )
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
    sign_tree: Callable[[int], str] | None = None,
    cosign: Callable[[str], str] | None = None,
) -> ArchiveSummary:
    """Seal the events since the last sealed segment; re-running seals only new events.

    `cosign(signed)` adds witness cosignatures to the newest checkpoint before it is put
    as `tiles/checkpoint` (a new version each run). Segment checkpoints are not cosigned:
    they must be byte for byte what a re-run after a crash signs again.

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
            # Name the first bad event when there is one, else a log-wide break.
            first = sorted(report.breaks, key=lambda b: (b.seq <= 0, b.seq))[0]
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
                sign_tree=sign_tree,
            )
        if signed is not None and sign_tree is not None:
            from leadreview.audit.archive_tiles import publish_tiles

            published = cosign(signed) if cosign is not None else signed
            publish_tiles(s3, bucket, root, store, published, retain_until)
    return ArchiveSummary(
        location=f"s3://{bucket}/{root}",
        sealed=tuple(plan),
        events=sum(s.last - s.first + 1 for s in plan),
        archived_to=plan[-1].last if plan else archived_to,
        retain_until=retain_until,
        last_checkpoint=signed,
    )
