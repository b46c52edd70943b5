"""What `audit verify` cannot do without, timed on its own: the floors its figure is set
against (bench_audit.bench_verify), and what SHA-256 costs on this machine.

- `read_and_hash`: a bare read of the rows and one SHA-256 of each event's canonical
  bytes (issue 17's floor). A verifier must do more than this: the same bytes are also
  the Merkle leaf, SHA-256(0x00 || entry), and the prefix makes that a different hash
  from the first byte on, so nothing of the chain digest's work can be reused for it;
  and the stored tree holds n − 1 interior nodes, each SHA-256(0x01 || left || right).
- `read_and_hash_all`: that floor plus both of those — every hash any verifier of this
  format must compute, with no comparison and no read of the stored tree. What verify
  spends above it is its checks and the audit_merkle read.
- `sqlite_read`: SQLite reading the same rows of both tables inside its own engine, one
  aggregate query a table (`max()` of every column, so each value is loaded, as
  sqlite3_column_* loads it for the C reader), no Python object per row and no hash: the
  floor of the path verify takes on SQLite now (leadreview/audit/_verify_sqlite.c
  steps the same rows through the same library). Verify's distance from it is its
  hashing (3 SHA-256 an event) and checks; both Python floors above now sit above it, as
  each still builds a tuple and a bytes per row.
- `sha256_costs`: hashlib's throughput on long blocks and its cost per event-sized
  message: at a few hundred bytes a call is mostly Python's per-call overhead, so the
  hashing costs three calls per event, whatever the CPU's SHA speed.

Each runs over events `first`…`last` of one SQLite file, from a connection of its own,
so `on_every_core` can split the rows between processes as verify splits them.
"""

import hashlib
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from leadreview.audit.canonical import row_entries

_SELECT = (
    "SELECT seq, time, actor, role, event_type, payload, prev_digest, digest, format, auth, "
    "login FROM audit_event WHERE seq >= {} AND seq <= {} ORDER BY seq"
)
_CHUNK = 20_000
# max() of each column loads every value (count(*) or length() alone would not read them).
_SQLITE_READ = (
    "SELECT count(*), max(time), max(actor), max(role), max(event_type), max(payload), "
    "max(prev_digest), max(digest), max(format), max(auth), max(login) FROM audit_event "
    "WHERE seq >= {} AND seq <= {}"
)
_SQLITE_READ_TREE = "SELECT count(*), max(hashes) FROM audit_merkle WHERE seq >= {} AND seq <= {}"


def read_and_hash(path: Path, first: int = 1, last: int = 1 << 62) -> None:
    """A bare read of the rows and one SHA-256 of each event's canonical bytes."""
    sha256 = hashlib.sha256
    connection = sqlite3.connect(path)
    cursor = connection.execute(_SELECT.format(int(first), int(last)))
    while chunk := cursor.fetchmany(_CHUNK):
        for entry in row_entries(chunk):
            sha256(entry).digest()
    connection.close()


def read_and_hash_all(path: Path, first: int = 1, last: int = 1 << 62) -> None:
    """The bare read, and every hash a verifier must compute: each event's digest and
    leaf, and the interior nodes over the leaves (level by level, n − 1 of them)."""
    sha256 = hashlib.sha256
    connection = sqlite3.connect(path)
    cursor = connection.execute(_SELECT.format(int(first), int(last)))
    level: list[bytes] = []
    while chunk := cursor.fetchmany(_CHUNK):
        entries = row_entries(chunk)
        digests = [sha256(entry).hexdigest() for entry in entries]
        level += [sha256(b"\x00" + entry).digest() for entry in entries]
        del digests  # computed, as verify must; comparing them is verify's own work
    connection.close()
    while len(level) > 1:
        pairs = zip(level[0::2], level[1::2], strict=False)
        level = [sha256(b"\x01" + left + right).digest() for left, right in pairs]


def sqlite_read(path: Path, first: int = 1, last: int = 1 << 62) -> None:
    """SQLite's own read of the events and their audit_merkle rows, no Python per row."""
    connection = sqlite3.connect(path)
    try:
        for query in (_SQLITE_READ, _SQLITE_READ_TREE):
            connection.execute(query.format(int(first), int(last))).fetchall()
    finally:
        connection.close()


def on_every_core(floor: Callable[[Path, int, int], None], path: Path, count: int) -> None:
    """`floor` on all cores, as verify runs: the rows split in contiguous ranges, each
    read and hashed by its own process from its own connection."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from leadreview.audit.verify_parallel import default_workers

    workers = default_workers()
    bounds = [count * i // workers for i in range(workers + 1)]
    with ProcessPoolExecutor(workers - 1, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = [
            pool.submit(floor, path, bounds[i] + 1, bounds[i + 1]) for i in range(1, workers)
        ]
        floor(path, 1, bounds[1])
        for future in futures:
            future.result()


def entry_bytes_mean(path: Path, sample: int = 10_000) -> float:
    """The mean size of an event's canonical bytes (what each of its hashes reads)."""
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute(_SELECT.format(1, int(sample))).fetchall()
    finally:
        connection.close()
    entries = row_entries(rows)
    return sum(map(len, entries)) / max(1, len(entries))


def sha256_costs(message_bytes: int, seconds: float = 0.3) -> tuple[float, float]:
    """(MB/s of hashlib.sha256 over 16 KiB blocks, µs per call on a `message_bytes`
    message): what the CPU hashes at, and what one event's hash costs from Python."""
    sha256 = hashlib.sha256
    block = bytes(16384)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(64):
            sha256(block).digest()
        done += 64
    throughput = done * len(block) / (time.perf_counter() - start) / 1e6
    message = bytes(max(1, message_bytes))
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(1000):
            sha256(message).digest()
        calls += 1000
    per_call_us = (time.perf_counter() - start) / calls * 1e6
    return throughput, per_call_us
