"""Exports: JSONL (everything needed to verify) or CSV, plus the signed checkpoints.

An export directory holds `events.jsonl` or `events.csv`, and `checkpoints/` with every
checkpoint seen plus one signed over the exported head. With the public key alone an
outsider verifies it offline (`leadreview audit verify --from DIR --key KEY`).
Each record carries the payload's canonical text as a string (`payload_json`), exactly
as hashed, so that no JSON re-encoding stands between the file and the digest.
"""

import csv
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from leadreview.audit.canonical import GENESIS_DIGEST, entry_bytes
from leadreview.audit.checkpoint import read_unverified
from leadreview.audit.merkle import CompactRange, leaf_hash
from leadreview.audit.models import RawRow
from leadreview.audit.note import Verifier
from leadreview.audit.stream import stream_rows
from leadreview.audit.verdict import Break, BreakKind, VerifyReport
from leadreview.audit.verify import walk
from leadreview.errors import ConfigurationError, InputFileError, LeadreviewError
from leadreview.store.store import Store

EXPORT_COLUMNS = (
    "seq",
    "time",
    "actor",
    "role",
    "event_type",
    "payload_json",
    "prev_digest",
    "digest",
    "format",
    "auth",
    "login",
)
# Exports written before format 2 have only the first eight columns: their events are
# all format 1, with no auth or login.
_V1_DEFAULTS = {"format": 1, "auth": "", "login": ""}
_V1_COLUMNS = len(EXPORT_COLUMNS) - len(_V1_DEFAULTS)
CHECKPOINT_SUBDIR = "checkpoints"


class ExportFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"
    TILES = "tiles"  # C2SP tlog-tiles, see tiles.py


@dataclass(frozen=True)
class ExportSummary:
    directory: Path
    events_file: Path
    events: int
    head_digest: str
    checkpoints: int


def export_log(
    store: Store,
    directory: Path,
    fmt: ExportFormat,
    *,
    sign_tree: Callable[[int, str], str],
    seen_checkpoints: Sequence[str] = (),
) -> ExportSummary:
    """Write the events, the log's checkpoints seen, and a fresh checkpoint of the
    exported tree: `sign_tree(size, root_hex)` signs it (after its consistency checks)
    and returns the signed note."""
    if fmt is ExportFormat.TILES:
        return export_tiles(store, directory, sign_tree=sign_tree)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / CHECKPOINT_SUBDIR).mkdir(exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(f"export directory {directory}: {exc.strerror or exc}") from None
    events_file = directory / f"events.{fmt.value}"
    count, head = 0, GENESIS_DIGEST
    tree = CompactRange()
    with events_file.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle) if fmt is ExportFormat.CSV else None
        if writer is not None:
            writer.writerow(EXPORT_COLUMNS)
        for chunk in stream_rows(store):
            if writer is not None:
                writer.writerows(chunk)
            else:
                handle.writelines(
                    json.dumps(dict(zip(EXPORT_COLUMNS, row, strict=True)), ensure_ascii=False)
                    + "\n"
                    for row in chunk
                )
            for row in chunk:
                entry = entry_bytes(row)
                tree.push(leaf_hash(entry))
            count += len(chunk)
            head = str(chunk[-1][7])
    written: set[Path] = set()
    for signed in [*seen_checkpoints, sign_tree(count, tree.root().hex())]:
        size = read_unverified(signed).size
        path = directory / CHECKPOINT_SUBDIR / f"checkpoint-{size:012d}.txt"
        path.write_text(signed, encoding="utf-8")
        written.add(path)
    return ExportSummary(directory, events_file, count, head, len(written))


def export_tiles(
    store: Store, directory: Path, *, sign_tree: Callable[[int, str], str]
) -> ExportSummary:
    """The log as a static tlog-tiles directory, with a checkpoint signed over it."""
    from leadreview.audit.tiles import write_tiles

    entries: list[bytes] = []
    tree = CompactRange()
    head = GENESIS_DIGEST
    for chunk in stream_rows(store):
        for row in chunk:
            entry = entry_bytes(row)
            entries.append(entry)
            tree.push(leaf_hash(entry))
        head = str(chunk[-1][7])
    signed = sign_tree(len(entries), tree.root().hex())
    write_tiles(directory, entries, signed)
    return ExportSummary(directory, directory / "checkpoint", len(entries), head, 1)


def _unreadable(number: int) -> RawRow:
    row = (f"line {number}", "", "", "", "", "null", "", f"unreadable line {number}")
    return (*row, 1, "", "")


def _jsonl_chunks(path: Path, chunk_rows: int = 20_000) -> Iterator[list[RawRow]]:
    """Rows of an exported events.jsonl. A line that does not parse becomes a placeholder
    row (the walk names it as a break and goes on); a line longer than any event could be
    ends the reading with one error naming the file and line, before it is read whole."""
    from leadreview.io.limits import parse_json, read_lines_limited

    chunk: list[RawRow] = []
    blank_lines: list[int] = []  # blank lines count as unreadable only if a record follows
    for number, line in read_lines_limited(path, "exported events"):
        if not line.strip():
            blank_lines.append(number)
            continue
        for blank in blank_lines:
            chunk.append(_unreadable(blank))
        blank_lines.clear()
        try:
            parsed = parse_json(line, f"{path}: line {number}")
            record = _V1_DEFAULTS | parsed
            row = tuple(record[c] for c in EXPORT_COLUMNS)
            if any(isinstance(value, list | dict) for value in row):
                # Every column is a scalar; a list (`"format": [null]`) reached a set
                # lookup in the walk and escaped as a TypeError.
                raise TypeError("a column holds a list or an object")
        except (LeadreviewError, KeyError, TypeError):
            # Keep walking: a placeholder row fails every check at this position.
            row = _unreadable(number)
        chunk.append(row)
        if len(chunk) >= chunk_rows:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _bounded_text_lines(path: Path) -> Iterator[str]:
    from leadreview.io.limits import read_lines_limited

    for _, line in read_lines_limited(path, "exported events"):
        yield line.decode("utf-8", errors="surrogateescape")


def _csv_chunks(path: Path, chunk_rows: int = 20_000) -> Iterator[list[RawRow]]:
    chunk: list[RawRow] = []
    reader = csv.reader(_bounded_text_lines(path))
    try:
        next(reader, None)
        for fields in reader:
            record = [*fields, "1", "", ""] if len(fields) == _V1_COLUMNS else fields
            row = tuple(record) if len(record) == len(EXPORT_COLUMNS) else ("",) * 11
            seq, version = row[0], row[8]
            chunk.append(
                (
                    int(seq) if seq.isdigit() else seq,
                    *row[1:8],
                    int(version) if version.isdigit() else version,
                    *row[9:],
                )
            )
            if len(chunk) >= chunk_rows:
                yield chunk
                chunk = []
    except csv.Error as exc:  # a field past csv's own size limit, a NUL byte
        raise InputFileError(f"{path}: line {reader.line_num}: not CSV ({exc})") from None
    if chunk:
        yield chunk


def verify_export(
    directory: Path, verifiers: Sequence[Verifier], extra_checkpoints: Sequence[Path] = ()
) -> VerifyReport:
    """Verify an export offline: its chain and its checkpoints, signed by a known key.

    At least one checkpoint must verify, otherwise a truncated export would pass.
    """
    from leadreview.audit.service import load_checkpoint_files, newest_checkpoint_file

    if (directory / "checkpoint").is_file() and (directory / "tile").is_dir():
        from leadreview.audit.tiles_verify import verify_tiles

        given, given_breaks = load_checkpoint_files(extra_checkpoints, verifiers)
        report = verify_tiles(directory, verifiers, given)
        report.breaks.extend(given_breaks)
        return report
    jsonl, csv_path = directory / "events.jsonl", directory / "events.csv"
    if jsonl.is_file():
        chunks, source = _jsonl_chunks(jsonl), jsonl
    elif csv_path.is_file():
        chunks, source = _csv_chunks(csv_path), csv_path
    else:
        raise ConfigurationError(f"export {directory}: no events.jsonl or events.csv")
    files = sorted((directory / CHECKPOINT_SUBDIR).glob("checkpoint-*.txt"))
    checkpoints, breaks = load_checkpoint_files([*files, *extra_checkpoints], verifiers)
    report = walk(str(source), chunks, checkpoints)
    report.breaks.extend(breaks)
    report.newest_checkpoint = newest_checkpoint_file(files)
    if not checkpoints:
        report.breaks.append(
            Break(0, BreakKind.BAD_CHECKPOINT, f"{directory}: no checkpoint signed by the key")
        )
    return report
