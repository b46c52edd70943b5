"""Hypothesis strategies for hostile input: documents, configs, images, exports, argv.

Most generated input starts from something valid (a bundled policy, the harness's small
scenario, the rendered probe, a real export) and breaks one part of it, because that is
where a parser is most likely to accept what it should refuse; the rest is structure
aimed at the parsers themselves (depth, aliases, long integers, odd bytes).
"""

import json
import math
from typing import Any

import numpy as np
import yaml
from hypothesis import strategies as st

from tests.fuzz.images import declared_size_png, huge_dim_descriptor

# Values chosen to sit on or past the edges: integer widths, database and Rekognition
# bounds, float specials, strings a terminal or a database would mind.
EDGE_INTS = [0, -1, 1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 10**20, 4096, 4097, 20_000_001]
EDGE_FLOATS = [math.inf, -math.inf, math.nan, 1e308, -1e-308, 3e38, 100.0000001, -0.0]
EDGE_TEXT = [
    "", " ", "\n", "x" * 10_000, "\u202e", "é", "\x1b[31m", "null", "~", "0x10", "1e999",
    "a\x00b",  # PostgreSQL stores no NUL in text (SQLite does): refused where files are read
]  # fmt: skip

scalars: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(EDGE_INTS),
    st.integers(),
    st.sampled_from(EDGE_FLOATS),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(EDGE_TEXT),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=40),
)
values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _dump_yaml(document: Any) -> str:
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


@st.composite
def mutated_mapping(draw: st.DrawFn, base: dict[str, Any]) -> Any:
    """`base` with one to three fields replaced, removed or added (nested fields too)."""
    document = json.loads(json.dumps(base))
    for _ in range(draw(st.integers(1, 3))):
        target = document
        path = draw(st.lists(st.sampled_from(sorted(_keys(document)) or ["x"]), max_size=1))
        if path and isinstance(target.get(path[0]), dict) and draw(st.booleans()):
            target = target[path[0]]
        keys = sorted(target) if isinstance(target, dict) else []
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        if action == "add" or not keys:
            target[draw(st.text(min_size=1, max_size=10))] = draw(values)
        elif action == "remove":
            target.pop(draw(st.sampled_from(keys)))
        else:
            target[draw(st.sampled_from(keys))] = draw(values)
    return document


def _keys(document: Any) -> set[str]:
    return {str(k) for k in document} if isinstance(document, dict) else set()


@st.composite
def structural_yaml(draw: st.DrawFn) -> str:
    """Text aimed at the YAML parser: depth, aliases, long numbers, odd characters."""
    kind = draw(st.sampled_from(["flow", "block", "mapping", "aliases", "number", "text"]))
    depth = draw(st.one_of(st.integers(1, 80), st.integers(80, 3000)))
    if kind == "flow":
        return "a: " + "[" * depth + "]" * depth + "\n"
    if kind == "block":
        return "- " * depth + "x\n"
    if kind == "mapping":
        return "".join("  " * i + f"k{i}:\n" for i in range(depth)) + "  " * depth + "v\n"
    if kind == "aliases":
        width = draw(st.integers(2, 12))
        lines = ["a0: &a0 [" + ", ".join(["x"] * width) + "]"]
        for level in range(1, draw(st.integers(1, 9))):
            refs = ", ".join([f"*a{level - 1}"] * width)
            lines.append(f"a{level}: &a{level} [{refs}]")
        return "\n".join(lines) + "\n"
    if kind == "number":
        digits = draw(st.integers(1, 6000))
        sign = draw(st.sampled_from(["", "-", "+"]))
        return f"name: n\nmin_similarity: {sign}{'7' * digits}\nseed: {'3' * digits}\n"
    return draw(st.text(max_size=300))


def yaml_document(base: dict[str, Any]) -> st.SearchStrategy[bytes]:
    """A hostile YAML file derived from `base`, as bytes (sometimes not UTF-8 at all)."""
    return st.one_of(
        mutated_mapping(base).map(_dump_yaml).map(str.encode),
        structural_yaml().map(lambda text: text.encode("utf-8", "surrogatepass")),
        st.binary(max_size=200),
    )


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ("nan" if math.isnan(value) else "inf")
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
        )
    return json.dumps("" if value is None else str(value))


SETTING_KEYS = [
    "data_dir", "database_url", "signing_key_path", "log_origin", "backend", "actor",
    "keymap", "aws", "no_such_setting",
]  # fmt: skip
AWS_KEYS = ["region", "profile", "endpoint_url", "max_attempts", "connect_timeout", "x"]


@st.composite
def config_toml(draw: st.DrawFn) -> bytes:
    """A config file: settings keys with hostile values, or text aimed at the TOML parser."""
    kind = draw(st.sampled_from(["settings", "aws", "deep", "text", "binary"]))
    if kind == "settings":
        keys = draw(st.lists(st.sampled_from(SETTING_KEYS), min_size=1, max_size=3, unique=True))
        return "".join(f"{k} = {_toml_value(draw(values))}\n" for k in keys).encode()
    if kind == "aws":
        keys = draw(st.lists(st.sampled_from(AWS_KEYS), min_size=1, max_size=3, unique=True))
        body = "".join(f"{k} = {_toml_value(draw(values))}\n" for k in keys)
        return f"backend = 'simulated'\n[aws]\n{body}".encode()
    if kind == "deep":
        depth = draw(st.integers(1, 5000))
        return ("a = " + "[" * depth + "]" * depth + "\n").encode()
    if kind == "text":
        return draw(st.text(max_size=300)).encode("utf-8", "surrogatepass")
    return draw(st.binary(max_size=200))


@st.composite
def image_bytes(draw: st.DrawFn, probe: bytes, dims: int) -> tuple[str, bytes | np.ndarray | str]:
    """(kind, payload): raw bytes, an embedding to encode into the probe's pixels, or a
    descriptor text to put in its metadata. The test turns the last two into a PNG."""
    kind = draw(
        st.sampled_from(
            ["truncate", "flip", "declared", "embedding", "descriptor", "magic", "valid"]
        )
    )
    if kind == "truncate":
        return kind, probe[: draw(st.integers(0, len(probe)))]
    if kind == "flip":
        data = bytearray(probe)
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return kind, bytes(data)
    if kind == "declared":
        side = st.one_of(st.integers(0, 100), st.integers(10_000, 2**31 - 1))
        return kind, declared_size_png(draw(side), draw(side))
    if kind == "embedding":
        size = draw(st.sampled_from([dims, dims, 1, dims - 1, dims + 1, 4096]))
        fill = draw(st.sampled_from([0.1, 1.0, 1e3, 1e7, 3e38, -3e38, 1e-30, 0.0]))
        vector = np.full(size, fill, dtype=np.float32)
        noise = draw(st.floats(-1, 1, width=32))
        vector[0] = noise if fill == 0.0 else vector[0]
        return kind, vector
    if kind == "descriptor":
        text = draw(
            st.one_of(
                st.integers(0, 9000).map(lambda n: huge_dim_descriptor(max(n, 1))),
                st.text(max_size=200),
                st.just("lrfd/1;dim=128;dtype=float32le;sha256=;data="),
            )
        )
        return kind, text
    if kind == "magic":
        magic = draw(st.sampled_from([b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"]))
        return kind, magic + draw(st.binary(max_size=300))
    return kind, probe


@st.composite
def export_lines(draw: st.DrawFn, lines: list[str]) -> list[str]:
    """An export's events.jsonl with lines replaced, dropped, duplicated or made hostile."""
    result = list(lines)
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["replace", "drop", "duplicate", "edit", "deep", "number"]))
        index = draw(st.integers(0, max(len(result) - 1, 0)))
        if action == "drop" and result:
            result.pop(index)
        elif action == "duplicate" and result:
            result.insert(index, result[index])
        elif action == "edit" and result:
            try:
                record = json.loads(result[index])
            except (ValueError, RecursionError):  # a line an earlier step made hostile
                record = None
            if isinstance(record, dict) and record:
                record[draw(st.sampled_from(sorted(record)))] = draw(values)
                result[index] = json.dumps(record, allow_nan=True)
        elif action == "deep":
            depth = draw(st.integers(10, 100_000))
            result.insert(index, "[" * depth + "]" * depth)
        elif action == "number":
            result.insert(index, '{"seq": ' + "9" * draw(st.integers(1, 6000)) + "}")
        else:
            result.insert(index, draw(st.text(max_size=200)).replace("\n", " "))
    return result


@st.composite
def response_json(draw: st.DrawFn, base: dict[str, Any]) -> str:
    """A saved SearchFacesByImage response with hostile parts, or text aimed at json."""
    kind = draw(st.sampled_from(["mutate", "match", "deep", "number", "text"]))
    if kind == "mutate":
        return json.dumps(draw(mutated_mapping(base)), allow_nan=True)
    if kind == "match":
        document = json.loads(json.dumps(base))
        matches = document.get("FaceMatches") or [{}]
        match = matches[0]
        match[draw(st.sampled_from(["Similarity", "Face", "x"]))] = draw(values)
        document["FaceMatches"] = matches * draw(st.sampled_from([1, 2, 5000]))
        return json.dumps(document, allow_nan=True)
    if kind == "deep":
        depth = draw(st.integers(10, 100_000))
        return '{"FaceMatches": ' + "[" * depth + "]" * depth + "}"
    if kind == "number":
        return (
            '{"FaceMatches": [], "SearchedFaceConfidence": '
            + "9" * draw(st.integers(1, 6000))
            + "}"
        )
    return draw(st.text(max_size=300))


# --- command lines ------------------------------------------------------------------------

HOSTILE_INTS = [str(v) for v in EDGE_INTS] + ["1e3", "0x10", "", " 1", "١٢", "nan", "-0"]
HOSTILE_WORDS = ["", "god", "x" * 5000, "\u202e", "--help", "-", "a\nb", "🙂", "'", "%s", "../"]


@st.composite
def command_line(draw: st.DrawFn, paths: list[str]) -> list[str]:
    """An argv for a command that answers quickly (no serving, no network, no terminal)
    with hostile values in its numeric, choice, text and path slots."""
    number = st.one_of(st.sampled_from(HOSTILE_INTS), st.integers().map(str))
    word = st.one_of(
        st.sampled_from(HOSTILE_WORDS),
        st.text(st.characters(exclude_characters="\x00"), max_size=30),
    )
    path = st.one_of(st.sampled_from(paths), word)
    # Sizes stay small or out of range: a valid 10-million-face replay is a benchmark,
    # not a fuzz case (and would take the shared machine's memory).
    size = st.sampled_from(["1", "50", "-3", "0", "4097", "20000001", "1000001", str(10**20)])
    # Many seeds times a large gallery is minutes of honest work (each seed builds its
    # own gallery): seeds and galleries of a comparison stay small or out of range.
    seeds = st.sampled_from(["1", "2", "-3", "0", "100001", str(10**20)])
    batch_size = st.sampled_from(["1", "50", "-3", "0", "20000001", str(10**20)])
    templates: list[list[Any]] = [
        ["case", "show", number],
        ["case", "list", "--status", word],
        ["case", "show", number, "--role", word],
        ["audit", "show", "--limit", number],
        ["audit", "show", "--since-seq", number, "--case", number],
        ["audit", "show", "--type", word, "--actor", word, "--json"],
        ["audit", "show", "--decision", word, "--reviewer", word],
        ["audit", "show", "--filtered-by", word, "--limit", number],
        ["audit", "verify", "--checkpoint", path],
        ["audit", "verify", "--from", path, "--key", word],
        ["audit", "key"],
        ["exercise", "status", "--exercise", number],
        ["exercise", "board", "--role", word, "--exercise", number],
        ["exercise", "join", "--role", word],
        ["exercise", "decide", number, "--decision", word, "--rationale", word],
        ["exercise", "inject", word],
        ["exercise", "assign", "--case", word, "--to", word],
        ["exercise", "pause", "--exercise", number],
        ["exercise", "resume", "--exercise", number],
        ["exercise", "extend", "--minutes", number, "--exercise", number],
        ["policy", "show", word],
        ["policy", "validate", path],
        ["scenario", "show", path],
        ["scenario", "validate", "--quick", path],
        ["probe", "render", "-o", path, "--probe", number, "--scenario", path],
        ["probe", "render", "-o", path, "--seed", number, "--scenario", path],
        ["replay", path, "--gallery-size", size, "--probes", size],
        ["replay", "--seed", number, "--gallery-size", size, "--probes", "5"],
        ["replay", "--policy", word, "--gallery-size", "100"],
        ["sweep", "--step", number, "--gallery-size", "100", "--probes", "5"],
        ["compare", "--seeds", number, "--gallery-size", "0"],
        ["compare", "--seeds", seeds, "--gallery-size", batch_size, "--probes", "5"],
        ["case", "open", "--image", path, "--offense", word, "--quality", word],
        ["case", "enforce", number, "--kind", word, "--evidence", word, "--role", word],
        ["exercise", "validate", word, "--met", "--note", word, "--exercise", number],
        [
            "exercise",
            "hotwash",
            "--question",
            number,
            "--answer",
            word,
            "--role",
            word,
        ],
        ["exercise", "aar", "--exercise", number, "-o", path],
        ["db", word],
        [word],
        [word, word],
    ]
    template = draw(st.sampled_from(templates))
    return [draw(part) if isinstance(part, st.SearchStrategy) else part for part in template]
