"""A static C2SP tlog-tiles directory of the log (https://c2sp.org/tlog-tiles).

    checkpoint                      the signed checkpoint the tiles are of
    tile/<L>/<N>[.p/<W>]            hash tiles: 256 hashes of tree level 8·L (W if partial)
    tile/entries/<N>[.p/<W>]        entry bundles: 256 entries, each a big-endian uint16
                                    length and the event's envelope bytes (the leaf input)

<N> is written in groups of three digits, all but the last prefixed with "x"
(1234067 → x001/x234/067). Any tlog-tiles client can read it; `audit verify --from DIR`
(tiles_verify.py) rebuilds the chain and the tree from the entries and checks both
against the checkpoint and the hash tiles.
"""

import os
import struct
from collections.abc import Iterator, Sequence
from pathlib import Path

from leadreview.audit.merkle import leaf_hash, node_hash
from leadreview.errors import ConfigurationError

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_ENTRY_BYTES = 0xFFFF


def tile_index_path(n: int) -> str:
    text = f"{n:d}"
    text = "0" * (-len(text) % 3) + text
    groups = [text[i : i + 3] for i in range(0, len(text), 3)]
    return "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])


def tile_path(level: int | str, n: int, width: int) -> str:
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{level}/{tile_index_path(n)}{suffix}"


def tiles_of(count: int) -> Iterator[tuple[int, int]]:
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
    for n, width in tiles_of(len(entries)):
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
        for n, width in tiles_of(len(hashes)):
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
