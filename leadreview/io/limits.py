"""Limits on what we parse, so that hostile files end in one line instead of a crash.

Every file a user hands us (YAML policy and scenario files, the TOML config, JSON
responses and exports, images) is read through these checks first: a regular file (not a
FIFO that blocks forever, not `/dev/zero` that never ends), of bounded size, nested to a
bounded depth, with no integer too long to convert and no YAML alias bomb. Python's own
parsers recurse per nesting level and convert integers of any length, so without these
checks a 20,000-deep document is a RecursionError and a 5,001-digit number a ValueError.
"""

import json
import math
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from leadreview.errors import InputFileError

# Hand-written files (policies, scenarios, the config) are a few KiB; 2 MiB is generous.
MAX_TEXT_FILE_BYTES = 2 * 1024 * 1024
# A saved SearchFacesByImage response holds at most 4096 faces: about 2 MB of JSON.
MAX_JSON_FILE_BYTES = 16 * 1024 * 1024
# No file of ours nests deeper than about 6 levels; 64 leaves room and stays far from
# Python's recursion limit.
MAX_NESTING = 64
# One line of a JSONL file (an exported event, a journal entry) is one JSON document.
MAX_JSONL_LINE_BYTES = MAX_JSON_FILE_BYTES
# Nodes after YAML aliases are expanded: a "billion laughs" file is refused here.
MAX_YAML_NODES = 1_000_000
# An integer with more digits than this fits no field (the widest, a database id, has 19).
MAX_INTEGER_DIGITS = 100


def read_limited(path: Path, what: str, max_bytes: int = MAX_TEXT_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most `max_bytes`, or a one-line error."""
    size = _regular_file_size(path, what)
    if size > max_bytes:
        raise InputFileError(f"{path}: {what} file is {_size(size)}; at most {_size(max_bytes)}")
    try:
        with _open_without_blocking(path) as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read {what} file ({exc.strerror})") from None
    if len(data) > max_bytes:
        raise InputFileError(f"{path}: {what} file is over {_size(max_bytes)}")
    return data


def read_lines_limited(
    path: Path, what: str, max_line_bytes: int = MAX_JSONL_LINE_BYTES
) -> Iterator[tuple[int, bytes]]:
    """The lines of a regular file (numbered from 1, newline kept), streamed: a file may
    be any size, but a line longer than `max_line_bytes` is refused with its number
    before more than that much of it is read."""
    _regular_file_size(path, what)
    try:
        with _open_without_blocking(path) as handle:
            number = 0
            while line := handle.readline(max_line_bytes + 1):
                number += 1
                if len(line) > max_line_bytes and not line.endswith(b"\n"):
                    raise InputFileError(
                        f"{path}: line {number} is longer than {_size(max_line_bytes)}; "
                        f"not a {what} file"
                    )
                yield number, line
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read {what} file ({exc.strerror})") from None


def _regular_file_size(path: Path, what: str) -> int:
    """The size of a regular file, or a one-line error for anything else. The type is
    checked before opening: opening a FIFO blocks until a writer comes, and a device such
    as /dev/zero never reaches end of file."""
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
    return info.st_size


def _open_without_blocking(path: Path) -> BinaryIO:
    # O_NONBLOCK: should the path be swapped for a FIFO after the check, open still
    # returns at once (a read then finds no data instead of blocking).
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    return os.fdopen(descriptor, "rb")


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MiB"
    return f"{count} bytes"


def check_yaml_text(text: str, path: Path) -> None:
    """Refuse YAML nested deeper than MAX_NESTING, expanding (through aliases) to more than
    MAX_YAML_NODES nodes, holding an integer of more than MAX_INTEGER_DIGITS digits, or a
    NUL character in any value.

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
                if "\x00" in event.value:
                    # YAML's "\0" escape: SQLite would store it, PostgreSQL refuses the
                    # whole row (and the file's text is stored with what it opens).
                    raise InputFileError(
                        f"{path}: line {line}: a NUL character (\\0) in a value; no text "
                        "field may hold one"
                    )
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


class UnstorableText(InputFileError):
    """A parsed string no database text column can hold: a NUL character, which
    PostgreSQL refuses in the whole row (SQLite would store it), or a lone UTF-16
    surrogate (JSON's "\\ud800"), which is not UTF-8 at all. Its own class so that the
    endpoint can answer it as an invalid parameter, as Rekognition would."""


def check_parsed(value: object, where: str) -> None:
    """Refuse a parsed value (JSON, TOML) nested deeper than MAX_NESTING, or holding a
    key or string that no text column can store, naming the field (`FaceMatches[0].Face.
    ExternalImageId`). Iterative, so the check itself is safe on any depth; each entry
    links to its container's, so a field's name is spelled out only when it is refused."""
    pending: list[_Entry] = [(value, 1, None)]
    while pending:
        entry = pending.pop()
        item, depth, _ = entry
        if isinstance(item, str):
            _check_storable(item, where, entry)
        elif isinstance(item, dict | list):
            if depth > MAX_NESTING:
                raise InputFileError(f"{where}: nested more than {MAX_NESTING} levels deep")
            if isinstance(item, list):
                pending.extend((child, depth + 1, (entry, i)) for i, child in enumerate(item))
                continue
            for key, child in item.items():
                keyed: _Entry = (child, depth + 1, (entry, str(key)))
                _check_storable(str(key), where, keyed, is_key=True)
                pending.append(keyed)


# A value being checked: itself, its depth, and (its container's entry, its key or index).
_Entry = tuple[object, int, "tuple[_Entry, str | int] | None"]


def _field_name(entry: _Entry) -> str:
    parts: list[str] = []
    link = entry[2]
    while link is not None:
        parent, key = link
        parts.append(f"[{key}]" if isinstance(key, int) else f".{key}")
        link = parent[2]
    return "".join(reversed(parts)).removeprefix(".")


def _check_storable(text: str, where: str, entry: _Entry, is_key: bool = False) -> None:
    if text.isprintable() or not any(_unstorable(char) for char in text):
        return
    what = "key" if is_key else "value"
    field = _field_name(entry)
    # The field's own name may hold the character: show it escaped, on one line.
    named = field.encode("unicode_escape", "backslashreplace").decode("ascii")
    place = f"field {named}" if field else "the document"
    if "\x00" in text:
        raise UnstorableText(
            f"{where}: {place}: a NUL character (\\u0000) in a {what}; no text field may hold one"
        )
    raise UnstorableText(
        f"{where}: {place}: a lone surrogate (\\ud800-\\udfff) in a {what}; not Unicode text"
    )


def _unstorable(char: str) -> bool:
    return char == "\x00" or "\ud800" <= char <= "\udfff"


class _Refused(ValueError):
    """A value the bounded JSON parser refuses (raised from inside json's hooks)."""


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise _Refused(f"a number of {len(text.lstrip('-'))} digits (at most {MAX_INTEGER_DIGITS})")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"the number {text[:40]} is beyond the range of a float")
    return value


def _no_constant(name: str) -> Any:
    raise _Refused(f"{name} is not JSON")


def parse_json(data: bytes | str, where: str, max_bytes: int = MAX_JSON_FILE_BYTES) -> Any:
    """Parse JSON that came from outside (a file, an S3 object, a request body, a line of
    an export): at most `max_bytes`, UTF-8, nested at most MAX_NESTING deep, integers of at
    most MAX_INTEGER_DIGITS digits, no NaN or Infinity and no number beyond float range.
    Anything else is an InputFileError naming `where`; callers turn it into their own
    refusal (a skipped file, a verification break, an HTTP 400)."""
    if len(data) > max_bytes:
        raise InputFileError(f"{where}: {_size(len(data))} of JSON; at most {_size(max_bytes)}")
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise InputFileError(f"{where}: not UTF-8 text") from None
    try:
        value = json.loads(
            text,
            parse_int=_bounded_int,
            parse_float=_finite_float,
            parse_constant=_no_constant,
        )
    except _Refused as exc:
        raise InputFileError(f"{where}: {exc}") from None
    except RecursionError:
        raise InputFileError(f"{where}: nested more than {MAX_NESTING} levels deep") from None
    except ValueError as exc:
        raise InputFileError(f"{where}: not valid JSON ({exc})") from None
    check_parsed(value, where)
    return value


def parse_toml(data: bytes, where: str) -> dict[str, Any]:
    """Parse a TOML file's bytes (already read through `read_limited`): UTF-8, nested at
    most MAX_NESTING deep, no integer too long to convert; else an InputFileError naming
    `where`. tomllib recurses per nesting level, so a deep file is caught as it fails."""
    import tomllib

    try:
        value = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InputFileError(f"{where}: not UTF-8 text") from None
    except RecursionError:
        raise InputFileError(f"{where}: nested more than {MAX_NESTING} levels deep") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputFileError(f"{where}: {exc}") from None
    except ValueError as exc:  # an integer too long to convert
        raise InputFileError(f"{where}: {exc}") from None
    check_parsed(value, where)
    return value
