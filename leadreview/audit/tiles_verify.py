"""Verifying a C2SP tlog-tiles copy of the log (layout: tiles.py) wherever it is kept.

A `TileSource` reads the layout's files by relative path and names them for the report:
a directory (`audit verify --from DIR`) or the archive's `tiles/` folder in S3
(`audit verify --from-s3`, archive_verify.py). Both are checked by the same code: the
signed checkpoint, the chain and the tree rebuilt from the entry bundles, and every hash
tile against the rebuilt tree.
"""

import hashlib
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from leadreview.audit.canonical import envelope
from leadreview.audit.checkpoint import Checkpoint, CheckpointError, open_checkpoint
from leadreview.audit.merkle import HASH_SIZE
from leadreview.audit.models import RawRow
from leadreview.audit.note import Verifier
from leadreview.audit.tiles import MAX_ENTRY_BYTES, TILE_WIDTH, tile_files, tile_path, tiles_of
from leadreview.audit.verdict import Break, BreakKind, VerifyReport
from leadreview.audit.verify import walk

CHECKPOINT_FILE = "checkpoint"
MAX_CHECKPOINT_BYTES = 1 << 16
_ENVELOPE = re.compile(
    r'\{"actor":"([^"\\]*)","event_type":"([^"\\]*)","payload":(.*),'
    r'"prev_digest":"([^"\\]*)","role":"([^"\\]*)","seq":(0|[1-9][0-9]{0,18}),'
    r'"time":"([^"\\]*)"\}',
    re.DOTALL,
)
# Format 2 (docs/audit-format.md): auth, login and the version are sealed too.
_ENVELOPE_V2 = re.compile(
    r'\{"actor":"([^"\\]*)","auth":"([^"\\]*)","event_type":"([^"\\]*)",'
    r'"login":"([^"\\]*)","payload":(.*),'
    r'"prev_digest":"([^"\\]*)","role":"([^"\\]*)","seq":(0|[1-9][0-9]{0,18}),'
    r'"time":"([^"\\]*)","v":([1-9][0-9]{0,3})\}',
    re.DOTALL,
)


class TileSource(Protocol):
    """Where a tiles layout is read from."""

    @property
    def location(self) -> str:
        """The whole copy, as the report names it."""
        ...

    def read(self, relative: str, limit: int) -> bytes | None:
        """The file's bytes; None if it is missing, unreadable or over `limit` bytes."""
        ...

    def name(self, relative: str) -> str:
        """One file, as a break names it."""
        ...


@dataclass(frozen=True)
class DirectoryTiles:
    directory: Path

    @property
    def location(self) -> str:
        return str(self.directory)

    def read(self, relative: str, limit: int) -> bytes | None:
        try:
            with (self.directory / relative).open("rb") as handle:
                data = handle.read(limit + 1)
        except OSError:
            return None
        return data if len(data) <= limit else None

    def name(self, relative: str) -> str:
        return str(self.directory / relative)


def entry_row(entry: bytes, number: int) -> RawRow:
    """The event row an envelope holds, or a placeholder that fails every check."""
    try:
        text = entry.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    unreadable = (f"entry {number}", "", "", "", "", "null", "", f"unreadable entry {number}")
    match = _ENVELOPE.fullmatch(text)
    if match is not None:
        actor, event_type, payload, prev, role, seq, time = match.groups()
        row: tuple[object, ...] = (int(seq), time, actor, role, event_type, payload, prev)
        extra: tuple[object, ...] = (1, "", "")
    elif (match_v2 := _ENVELOPE_V2.fullmatch(text)) is not None:
        actor, auth, event_type, login, payload, prev, role, seq, time, v = match_v2.groups()
        row = (int(seq), time, actor, role, event_type, payload, prev)
        extra = (int(v), auth, login)
    else:
        return (*unreadable, 1, "", "")
    if envelope(*row, *extra).encode("utf-8") != entry:
        return (*unreadable, 1, "", "")
    return (*row, hashlib.sha256(entry).hexdigest(), *extra)


def _entries(source: TileSource, size: int, breaks: list[Break]) -> list[bytes]:
    entries: list[bytes] = []
    for n, width in tiles_of(size):
        relative = tile_path("entries", n, width)
        data = source.read(relative, width * (MAX_ENTRY_BYTES + 2))
        bundle: list[bytes] = []
        offset = 0
        while data is not None and offset + 2 <= len(data) and len(bundle) < width:
            (length,) = struct.unpack_from(">H", data, offset)
            bundle.append(data[offset + 2 : offset + 2 + length])
            offset += 2 + length
        if data is None or len(bundle) != width or offset != len(data):
            detail = f"{source.name(relative)}: missing or malformed"
            breaks.append(Break(n * TILE_WIDTH + 1, BreakKind.MALFORMED, detail))
            return entries
        entries.extend(bundle)
    return entries


def open_tiles_checkpoint(
    source: TileSource, verifiers: Sequence[Verifier]
) -> tuple[Checkpoint | None, str, Break | None]:
    """The layout's signed checkpoint (and its text), or the break that says why not."""
    data = source.read(CHECKPOINT_FILE, MAX_CHECKPOINT_BYTES)
    try:
        if data is None:
            raise CheckpointError("missing, unreadable or too large")
        signed = data.decode("utf-8")
        return open_checkpoint(signed, verifiers), signed, None
    except (CheckpointError, UnicodeDecodeError) as exc:
        detail = f"{source.name(CHECKPOINT_FILE)}: {exc}"
        return None, "", Break(0, BreakKind.BAD_CHECKPOINT, detail)


def verify_tile_source(
    source: TileSource, verifiers: Sequence[Verifier], older: Sequence[Checkpoint] = ()
) -> VerifyReport:
    """Check a tiles layout: its signed checkpoint, the chain and the tree rebuilt from
    the entry bundles, every hash tile against the rebuilt tree, and the tree against
    `older` checkpoints (which it must extend)."""
    checkpoint, signed, bad = open_tiles_checkpoint(source, verifiers)
    if checkpoint is None:
        report = VerifyReport(source.location)
        report.breaks.extend([bad] if bad is not None else [])
        return report
    breaks: list[Break] = []
    entries = _entries(source, checkpoint.size, breaks)
    rows = [entry_row(e, i + 1) for i, e in enumerate(entries)]
    report = walk(source.location, [rows] if rows else [], [checkpoint, *older])
    report.newest_checkpoint = (source.name(CHECKPOINT_FILE), signed)
    report.breaks.extend(breaks)
    expected = tile_files(entries, "")
    for relative, content in expected.items():
        if relative.startswith("tile/entries/") or relative == CHECKPOINT_FILE:
            continue
        found = source.read(relative, TILE_WIDTH * HASH_SIZE)
        if found == content:
            continue
        report.breaks.append(
            Break(
                0, BreakKind.TREE_MISMATCH, f"{source.name(relative)}: not the tree of the entries"
            )
        )
        if relative.startswith("tile/0/") and found is not None and len(found) == len(content):
            _name_changed_entries(relative, found, content, report, source)
    return report


def verify_tiles(
    directory: Path, verifiers: Sequence[Verifier], older: Sequence[Checkpoint] = ()
) -> VerifyReport:
    """Check a tiles directory offline (`audit verify --from DIR`)."""
    return verify_tile_source(DirectoryTiles(directory), verifiers, older)


def _name_changed_entries(
    relative: str, found: bytes, expected: bytes, report: VerifyReport, source: TileSource
) -> None:
    """A level-0 tile holds leaf hashes: name each event whose entry no longer hashes to
    its published leaf (the tiles carry no digests, so the chain alone would only show
    the next event's broken link)."""
    first = int(
        relative.split("/", 2)[2].split(".p", maxsplit=1)[0].replace("x", "").replace("/", "")
    )
    for i in range(0, len(found), HASH_SIZE):
        if found[i : i + HASH_SIZE] != expected[i : i + HASH_SIZE]:
            seq = first * TILE_WIDTH + i // HASH_SIZE + 1
            report.breaks.append(
                Break(
                    seq,
                    BreakKind.DIGEST_MISMATCH,
                    f"the entry does not hash to its leaf in {source.name(relative)}: "
                    "its contents were changed",
                )
            )
