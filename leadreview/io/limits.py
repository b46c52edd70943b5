"""Limits on what we parse, so that hostile files end in one line instead of a crash.

Every file a user hands us (YAML policy and scenario files, the TOML config, JSON
responses and exports, images) is read through these checks first: a regular file (not a
FIFO that blocks forever, not `/dev/zero` that never ends), of bounded size, nested to a
bounded depth, with no integer too long to convert and no YAML alias bomb. Python's own
parsers recurse per nesting level and convert integers of any length, so without these
checks a 20,000-deep document is a RecursionError and a 5,001-digit number a ValueError.
"""

import os
import stat
from pathlib import Path

from leadreview.errors import InputFileError

# Hand-written files (policies, scenarios, the config) are a few KiB; 2 MiB is generous.
MAX_TEXT_FILE_BYTES = 2 * 1024 * 1024
# A saved SearchFacesByImage response holds at most 4096 faces: about 2 MB of JSON.
MAX_JSON_FILE_BYTES = 16 * 1024 * 1024
# No file of ours nests deeper than about 6 levels; 64 leaves room and stays far from
# Python's recursion limit.
MAX_NESTING = 64
# Nodes after YAML aliases are expanded: a "billion laughs" file is refused here.
MAX_YAML_NODES = 1_000_000
# An integer with more digits than this fits no field (the widest, a database id, has 19).
MAX_INTEGER_DIGITS = 100


def read_limited(path: Path, what: str, max_bytes: int = MAX_TEXT_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most `max_bytes`, or a one-line error.

    The type is checked before opening: opening a FIFO blocks until a writer comes, and a
    device such as /dev/zero never reaches end of file.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such {what} file") from None
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read {what} file ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputFileError(f"{path}: is a directory, not a {what} file")
    if not stat.S_ISREG(info.st_mode):
        raise InputFileError(f"{path}: not a regular {what} file (a pipe or a device?)")
    if info.st_size > max_bytes:
        raise InputFileError(
            f"{path}: {what} file is {_size(info.st_size)}; at most {_size(max_bytes)}"
        )
    try:
        # O_NONBLOCK: should the path be swapped for a FIFO after the check, open still
        # returns at once (a read then finds no data instead of blocking).
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read {what} file ({exc.strerror})") from None
    if len(data) > max_bytes:
        raise InputFileError(f"{path}: {what} file is over {_size(max_bytes)}")
    return data


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MiB"
    return f"{count} bytes"


def check_yaml_text(text: str, path: Path) -> None:
    """Refuse YAML nested deeper than MAX_NESTING, expanding (through aliases) to more than
    MAX_YAML_NODES nodes, or holding an integer of more than MAX_INTEGER_DIGITS digits.

    Walks the parser's event stream, which (unlike composing or constructing) does not
    recurse, so the check itself is safe on any input. YAML syntax errors are left to the
    loader that follows, which names the line.
    """
    import yaml

    depth = 0
    nodes = 0
    # anchor -> expanded node count; stack of (anchor, node count when the collection opened)
    sizes: dict[str, int] = {}
    open_collections: list[tuple[str | None, int]] = []
    resolver = yaml.resolver.Resolver()
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            line = event.start_mark.line + 1 if event.start_mark is not None else 0
            if isinstance(event, yaml.AliasEvent):
                nodes += sizes.get(str(event.anchor), 1)
            elif isinstance(event, yaml.ScalarEvent):
                nodes += 1
                if event.anchor is not None:
                    sizes[event.anchor] = 1
                if event.implicit[0] and len(event.value) > MAX_INTEGER_DIGITS:
                    tag = resolver.resolve(  # type: ignore[no-untyped-call]
                        yaml.ScalarNode, event.value, (True, False)
                    )
                    if tag == "tag:yaml.org,2002:int":
                        raise InputFileError(
                            f"{path}: line {line}: a number of {len(event.value)} digits "
                            f"(at most {MAX_INTEGER_DIGITS})"
                        )
            elif isinstance(event, yaml.CollectionStartEvent):
                nodes += 1
                depth += 1
                if depth > MAX_NESTING:
                    raise InputFileError(
                        f"{path}: line {line}: nested more than {MAX_NESTING} levels deep"
                    )
                open_collections.append((event.anchor, nodes))
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
                anchor, start = open_collections.pop()
                if anchor is not None:
                    sizes[anchor] = nodes - start + 1
            if nodes > MAX_YAML_NODES:
                raise InputFileError(
                    f"{path}: line {line}: more than {MAX_YAML_NODES:,} values once aliases "
                    "are expanded"
                )
    except yaml.YAMLError:
        return


def check_nesting(value: object, where: str) -> None:
    """Refuse a parsed value (JSON, TOML) nested deeper than MAX_NESTING; iterative."""
    pending: list[tuple[object, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            if depth > MAX_NESTING:
                raise InputFileError(f"{where}: nested more than {MAX_NESTING} levels deep")
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
