"""A static C2SP tlog-tiles directory of the log (https://c2sp.org/tlog-tiles).

    checkpoint                      the signed checkpoint the tiles are of
    tile/<L>/<N>[.p/<W>]            hash tiles: 256 hashes of tree level 8·L (W if partial)
    tile/entries/<N>[.p/<W>]        entry bundles: 256 entries, each a big-endian uint16
                                    length and the event's envelope bytes (the leaf input)

<N> is written in groups of three digits, all but the last prefixed with "x"
(1234067 → x001/x234/067). Any tlog-tiles client can read it; `audit verify --from DIR`
rebuilds the chain and the tree from the entries and checks both against the checkpoint
and the hash tiles.
"""

import os
import re
import struct
from collections.abc import Iterator, Sequence
from pathlib import Path

from leadreview.audit.canonical import envelope
from leadreview.audit.checkpoint import Checkpoint, CheckpointError, open_checkpoint
from leadreview.audit.merkle import HASH_SIZE, leaf_hash, node_hash
from leadreview.audit.models import RawRow
from leadreview.audit.note import Verifier
from leadreview.audit.verify import Break, BreakKind, VerifyReport, walk
from leadreview.errors import ConfigurationError

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_ENTRY_BYTES = 0xFFFF
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


def tile_index_path(n: int) -> str:
    text = f"{n:d}"
    text = "0" * (-len(text) % 3) + text
    groups = [text[i : i + 3] for i in range(0, len(text), 3)]
    return "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])


def tile_path(level: int | str, n: int, width: int) -> str:
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{level}/{tile_index_path(n)}{suffix}"


def _tiles_of(count: int) -> Iterator[tuple[int, int]]:
    """(tile index, width) of the tiles holding `count` items."""
    for n in range(count // TILE_WIDTH):
        yield n, TILE_WIDTH
    if count % TILE_WIDTH:
        yield count // TILE_WIDTH, count % TILE_WIDTH


def level_hashes(leaves: Sequence[bytes], size: int) -> list[list[bytes]]:
    """Hashes of tree levels 0, 8, 16, … that complete subtrees of `size` leaves have."""
    levels = [list(leaves[:size])]
    while len(levels[-1]) >= TILE_WIDTH:
        below = levels[-1]
        above = []
        for start in range(0, len(below) - TILE_WIDTH + 1, TILE_WIDTH):
            row = below[start : start + TILE_WIDTH]
            for _ in range(TILE_HEIGHT):
                row = [node_hash(row[i], row[i + 1]) for i in range(0, len(row), 2)]
            above.append(row[0])
        levels.append(above)
    return levels


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def tile_files(entries: Sequence[bytes], signed_checkpoint: str) -> dict[str, bytes]:
    """Every file of the layout, by relative path."""
    files: dict[str, bytes] = {"checkpoint": signed_checkpoint.encode("utf-8")}
    for n, width in _tiles_of(len(entries)):
        bundle = bytearray()
        for entry in entries[n * TILE_WIDTH : n * TILE_WIDTH + width]:
            if len(entry) > MAX_ENTRY_BYTES:
                raise ConfigurationError(
                    f"an event of {len(entry)} bytes does not fit a tlog-tiles entry (64 KiB)"
                )
            bundle += struct.pack(">H", len(entry)) + entry
        files[tile_path("entries", n, width)] = bytes(bundle)
    levels = level_hashes([leaf_hash(e) for e in entries], len(entries))
    for level, hashes in enumerate(levels):
        for n, width in _tiles_of(len(hashes)):
            files[tile_path(level, n, width)] = b"".join(
                hashes[n * TILE_WIDTH : n * TILE_WIDTH + width]
            )
    return files


def write_tiles(directory: Path, entries: Sequence[bytes], signed_checkpoint: str) -> int:
    """Write the layout under `directory`; the checkpoint last, so that a reader never
    sees a checkpoint whose tiles are not there yet. Returns the number of files."""
    files = tile_files(entries, signed_checkpoint)
    try:
        for relative, data in files.items():
            if relative != "checkpoint":
                _write(directory / relative, data)
        _write(directory / "checkpoint", files["checkpoint"])
    except OSError as exc:
        raise ConfigurationError(f"tiles directory {directory}: {exc.strerror or exc}") from None
    return len(files)


def entry_row(entry: bytes, number: int) -> RawRow:
    """The event row an envelope holds, or a placeholder that fails every check."""
    import hashlib

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


def _read(path: Path, limit: int) -> bytes | None:
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError:
        return None
    return data if len(data) <= limit else None


def _entries(directory: Path, size: int, breaks: list[Break]) -> list[bytes]:
    entries: list[bytes] = []
    for n, width in _tiles_of(size):
        relative = tile_path("entries", n, width)
        data = _read(directory / relative, width * (MAX_ENTRY_BYTES + 2))
        bundle: list[bytes] = []
        offset = 0
        while data is not None and offset + 2 <= len(data) and len(bundle) < width:
            (length,) = struct.unpack_from(">H", data, offset)
            bundle.append(data[offset + 2 : offset + 2 + length])
            offset += 2 + length
        if data is None or len(bundle) != width or offset != len(data):
            breaks.append(
                Break(n * TILE_WIDTH + 1, BreakKind.MALFORMED, f"{relative}: missing or malformed")
            )
            return entries
        entries.extend(bundle)
    return entries


def verify_tiles(directory: Path, verifiers: Sequence[Verifier]) -> VerifyReport:
    """Check a tiles directory offline: the signed checkpoint, the chain and the tree
    rebuilt from the entry bundles, and every hash tile against the rebuilt tree."""
    data = _read(directory / "checkpoint", 1 << 16)
    try:
        if data is None:
            raise CheckpointError("missing, unreadable or too large")
        checkpoint: Checkpoint | None = open_checkpoint(data.decode("utf-8"), verifiers)
    except (CheckpointError, UnicodeDecodeError) as exc:
        report = VerifyReport(str(directory))
        report.breaks.append(
            Break(0, BreakKind.BAD_CHECKPOINT, f"{directory / 'checkpoint'}: {exc}")
        )
        return report
    assert checkpoint is not None
    breaks: list[Break] = []
    entries = _entries(directory, checkpoint.size, breaks)
    rows = [entry_row(e, i + 1) for i, e in enumerate(entries)]
    report = walk(str(directory), [rows] if rows else [], [checkpoint])
    report.breaks.extend(breaks)
    expected = tile_files(entries, "")
    for relative, content in expected.items():
        if relative.startswith("tile/entries/") or relative == "checkpoint":
            continue
        found = _read(directory / relative, TILE_WIDTH * HASH_SIZE)
        if found == content:
            continue
        report.breaks.append(
            Break(0, BreakKind.TREE_MISMATCH, f"{relative}: not the tree of the entries")
        )
        if relative.startswith("tile/0/") and found is not None and len(found) == len(content):
            _name_changed_entries(relative, found, content, report)
    return report


def _name_changed_entries(
    relative: str, found: bytes, expected: bytes, report: VerifyReport
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
                    f"the entry does not hash to its leaf in {relative}: its contents were changed",
                )
            )
