"""The canonical encoding an event's digest is computed over (docs/audit-format.md).

The hashed text is a JSON object with keys in sorted order and no whitespace:

    {"actor":"…","event_type":"…","payload":<payload>,"prev_digest":"…","role":"…",
     "seq":<n>,"time":"…"}

`<payload>` is the payload's canonical JSON (sorted keys, no whitespace, UTF-8, no NaN),
stored verbatim so that verification hashes exactly the text that was sealed and never
depends on how some JSON library formats a float. The other string fields are *labels*:
they may not contain a quote, a backslash or a control character, so JSON-quoting them is
just wrapping them in quotes, and the envelope can be assembled by concatenation — fast
enough to verify a million events in a few seconds, and trivial for an outsider to redo.
"""

import functools
import json
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

GENESIS_DIGEST = "0" * 64
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_FORBIDDEN_IN_LABEL = re.compile(r'["\\\x00-\x1f\x7f]|[\ud800-\udfff]')


_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def _refuse_unknown(value: object) -> object:
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


@functools.cache
def _fast_encoder() -> Callable[[object], str] | None:
    """The C encoder behind `_ENCODER`, built once. `JSONEncoder.encode` rebuilds it on
    every call, which costs more than encoding a small payload. Same output; if this
    Python's `c_make_encoder` differs, fall back to `_ENCODER.encode`."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return None
    try:
        # markers=None skips the circular-reference check; such input ends in
        # RecursionError, which canonical_json refuses like any other bad payload.
        encode = make(
            None,
            _refuse_unknown,
            json.encoder.c_encode_basestring,  # type: ignore[attr-defined]
            None,
            ":",
            ",",
            True,
            False,
            False,
        )
        if "".join(encode({"b": [1.5, None], "a": "é"}, 0)) != '{"a":"é","b":[1.5,null]}':
            return None
    except TypeError:
        return None
    return lambda value: "".join(encode(value, 0))


class EncodingRefusedError(ValueError):
    """A value the log cannot seal: an empty or malformed label, a non-object payload."""


@functools.lru_cache(maxsize=4096)
def _label_problem(value: str) -> str | None:
    # Cached: actors, roles and event types repeat across a batch.
    if not value.strip():
        return "must be a non-empty string"
    if _FORBIDDEN_IN_LABEL.search(value):
        return f"{value!r} may not contain quotes, backslashes or control characters"
    return None


def check_label(field: str, value: str) -> str:
    if not isinstance(value, str):
        raise EncodingRefusedError(f"audit event {field} must be a non-empty string")
    problem = _label_problem(value)
    if problem is not None:
        raise EncodingRefusedError(f"audit event {field} {problem}")
    return value


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, non-ASCII as UTF-8, NaN and infinities refused."""
    try:
        fast = _fast_encoder()
        text = fast(value) if fast is not None else _ENCODER.encode(value)
        text.encode("utf-8")  # lone surrogates cannot be sealed
    except (TypeError, ValueError, RecursionError) as exc:
        raise EncodingRefusedError(f"audit payload is not canonical JSON: {exc}") from None
    return text


def canonical_payload(payload: Any) -> str:
    if not isinstance(payload, dict):
        raise EncodingRefusedError("audit payload must be a JSON object (a dict)")
    return canonical_json(payload)


def format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise EncodingRefusedError("audit event time must be timezone-aware")
    utc = moment.astimezone(UTC)
    if utc.year < 1000:  # strftime writes such years unpadded; keep its exact text
        return utc.strftime(TIME_FORMAT)
    # The same text as TIME_FORMAT, without strftime's cost (one append per decision).
    return utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def parse_time(text: str) -> datetime:
    # fromisoformat (3.11+) reads our format exactly, and far faster than strptime.
    return datetime.fromisoformat(text)


# Event formats (docs/audit-format.md). Version 1 envelopes have seven fields; version 2
# adds how the actor was authenticated (`auth`), the database login that stored the
# event (`login`, stamped by PostgreSQL itself) and the version (`v`). Old events keep
# verifying under the rules they were sealed with.
FORMAT_V1 = 1
FORMAT_V2 = 2
CURRENT_FORMAT = FORMAT_V2
KNOWN_FORMATS = frozenset({FORMAT_V1, FORMAT_V2})


def envelope(
    seq: object,
    time: object,
    actor: object,
    role: object,
    event_type: object,
    payload_json: object,
    prev_digest: object,
    version: object = FORMAT_V1,
    auth: object = "",
    login: object = "",
) -> str:
    """The sealed text. Keep in step with the inlined copy in `row_entries`."""
    if version == FORMAT_V1:
        return (
            f'{{"actor":"{actor}","event_type":"{event_type}","payload":{payload_json},'
            f'"prev_digest":"{prev_digest}","role":"{role}","seq":{seq},"time":"{time}"}}'
        )
    return (
        f'{{"actor":"{actor}","auth":"{auth}","event_type":"{event_type}",'
        f'"login":"{login}","payload":{payload_json},"prev_digest":"{prev_digest}",'
        f'"role":"{role}","seq":{seq},"time":"{time}","v":{version}}}'
    )


def row_entries(rows: Iterable[tuple[Any, ...]]) -> list[bytes]:
    """`entry_bytes` of many stored rows (11 columns, ROW_COLUMNS order) at once: the
    verifier's hot loop. `envelope` inlined, as a call per row costs ~10% there."""
    return [
        (
            f'{{"actor":"{actor}","event_type":"{event_type}","payload":{payload},'
            f'"prev_digest":"{prev}","role":"{role}","seq":{seq},"time":"{time}"}}'
            if version == FORMAT_V1
            else f'{{"actor":"{actor}","auth":"{auth}","event_type":"{event_type}",'
            f'"login":"{login}","payload":{payload},"prev_digest":"{prev}",'
            f'"role":"{role}","seq":{seq},"time":"{time}","v":{version}}}'
        ).encode("utf-8", "surrogatepass")
        for seq, time, actor, role, event_type, payload, prev, _, version, auth, login in rows
    ]


def row_envelope(row: "tuple[object, ...]") -> str:
    """The sealed text of a stored row in ROW_COLUMNS order (8 columns: format 1)."""
    if len(row) > 8:
        return envelope(*row[:7], *row[8:11])
    return envelope(*row[:7])


def entry_bytes(row: tuple[Any, ...]) -> bytes:
    """The bytes an event's chain digest covers and its Merkle leaf hashes (the tree's
    *entry*), from a stored row in ROW_COLUMNS order (format 1 or 2). The one place that
    says so: the appender inlines the same expression in its hot loop, and the verifier
    builds a chunk's entries with `row_entries` (tests/audit/test_audit_append.py holds
    them equal)."""
    return row_envelope(row).encode("utf-8", "surrogatepass")
