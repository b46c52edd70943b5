"""Audit log speed against raw floors on the same storage, measured in the same run.

- Appends through `AuditLog` (validation, canonical JSON, SHA-256 chaining, the Merkle
  leaf and nodes) against plain sqlite3 inserts of the very same rows — each event row
  and its `audit_merkle` row — into the same schema with the same pragmas (WAL,
  synchronous=FULL), on disk and on a RAM disk (/dev/shm: no fsync cost, so the log's
  own overhead shows), both one event per transaction (what a decision writes, in its
  `Store.writing()` unit) and in batches of 200 (about one search: 50 leads x 4
  policies; in an ORM session, as batch recording writes them). Targets: a batch >=
  0.5x raw everywhere; one event per transaction >= 0.5x raw on the RAM disk (issue
  17); on disk one event per transaction is information (fsync).
- `verify` of 1,000,000 events (every digest recomputed, every link and sequence number
  checked, every leaf hash recomputed and the stored Merkle tree checked row by row) on
  every core. Target: >= 600,000 events/s (issue 17). Set side by side (A B A B, medians
  of 3) against:
  - "bare read + one sha256 per event, every core": the rows read through Python's
    sqlite3 driver and `hashlib.sha256` over their canonical bytes, split between
    processes as verify splits them (issue 17's floor);
  - "read + every hash it must do, every core" (bench/verify_floors.py): the same read
    plus every hash a verifier of this format must compute — each event's digest, its
    leaf (SHA-256(0x00 || the same bytes), sharing no work with the digest) and the
    n − 1 interior nodes;
  - "SQLite reads both tables, no hash, every core": SQLite's own read of the same
    events and audit_merkle rows (one aggregate query a table and range loading every
    value), no Python object per row and no hash — the floor of the path verify now takes;
  - "verify reading through sqlite3 (KERNEL=driver)": verify itself with its rows
    fetched by the driver (the path before the C reader), to show what the reader adds;
  then verify in one process (the sequential walk, still through the driver) against the
  first floor in one process, and hashlib's cost per event-sized message beside the CPU's
  SHA-256 throughput (information).

  Where the time went, measured on the 2-core AMD EPYC this was written on (shared with
  other work). The CPU has SHA instructions (`sha_ni`): an event's 366 canonical bytes
  hash in ~0.2 µs, but one hashlib call on them costs 0.4-0.55 µs and an event needs
  three (digest, leaf, an interior node on average); reading a row of 11 columns through
  the driver costs 1.65-1.8 µs, building its envelope 0.4-0.55 µs. Round one moved the
  hashing into C (leadreview/audit/_verify_kernels.c, libcrypto): ~410,000 →
  450,000-575,000 events/s on every core, 0.70x the first floor, leaving the driver's
  row fetch (a tuple and 11 objects a row, events and audit_merkle) and two count(*)
  scans (~0.14 s per million) as the cost.

  Round two: the split reads min/max(seq) from the primary keys (four index lookups,
  0.06 ms on the million, where the counts took 0.38 s under load), and on SQLite each
  range is read by leadreview/audit/_verify_sqlite.c through SQLite's C API, no Python
  object per row (`LEADREVIEW_VERIFY_KERNEL=driver` is the path before). Profile of
  the C walk (perf): ~30% SQLite's stepping and column access, ~30% libcrypto's
  SHA-256, ~10% each the reader's own code, libc's copies and the kernel's page reads
  (mmap for the reader's connection measured slower: 1.92 vs 1.73 CPU s a million).
  The first version of the reader held the GIL while it walked; the process walking the
  first range is also the one whose threads hand the second range to the pool, so the
  ranges ran one after the other (logged: 0.01-1.57 s, then 1.57-2.80 s). It walks
  without the GIL now and the two overlap (1.86-1.90 s for the same log, same load).

  Measured here, the machine never idle (the other engineers' work kept the load average
  at 5-8 on 2 cores, hashlib's throughput at 880-1,630 MB/s instead of ~2,000):
  - before/after, `verify_store` on the same 1M-event file, the code before this round
    against this code, A B A B x5 in one run (load 6.4-6.9): 7.97 s → 3.63 s median,
    125,000 → 275,000 events/s (2.2x);
  - this benchmark for the code before, then for this code, back to back (load 6.5-7.0,
    then 6.8-7.4); each floor (and verify's ratio to it) measured side by side in its run:
    | every core, 1M events              | before             | after              |
    | verify                             | 162,800 ev/s       | 338,200 ev/s       |
    | vs bare read + one sha256          | 188,100 (0.87x)    | 201,600 (1.68x)    |
    | vs read + every hash               | 162,300 (0.97x)    | 115,800 (2.62x)    |
    | vs SQLite's own read, no hash      | —                  | 888,900 (0.33x)    |
    | vs verify through the driver       | —                  | 136,900 (2.25x)    |
    | one process (sequential, driver)   | 158,200 ev/s       | 131,000 ev/s       |
    | vs bare read + one sha256, 1 proc  | 220,700 (0.72x)    | 159,800 (0.82x)    |
    What is left on SQLite is mostly the hashing (3 SHA-256 an event) over SQLite's read.
  The brief's idle figures for the code before were 481,700 events/s against the first
  floor's 688,800; at the 1.7x measured here verify would be well past 600,000 idle, but
  that is an extrapolation: under the load it was measured at, the target was MISSED
  (338,200), and an idle run is still owed.

  Reading text that is not UTF-8 (a row SQLite's driver refuses) costs the sequential
  walk nothing until it meets one: `verify_store(workers=1)` on the same 300,000-event
  file, the code before against this code, A B A B x5 in one run (load 6.2-7.0): 1.714 s
  vs 1.716 s median. On a log that holds such a row the walk reads the snapshot again
  with a decoding text factory, skipping the rows already walked: with the row at seq 299,990
  of 300,000 (the worst place), 2.157 s median against 1.486 s for a plain edit at the
  same row (x5, load 5.6-6.3); the code before raised there.
- An inclusion proof on the same log, produced and checked against a signed checkpoint:
  each under 10 ms.

Idle, after every round was merged (2026-11-28, AMD EPYC 2 cores, load 1.3-1.5;
medians): audit verify of 1,000,000 SQLite events on every core 1,017,000 events/s (best
1,076,000; target 600,000), 1.74x "bare read + one sha256 per event" (585,300), 2.41x
"read + every hash" (373,900), 0.32x SQLite's own read of both tables with no hash
(3,183,000), 2.36x itself reading through the driver (452,200); one process 266,500.
Appends against raw inserts of the same rows: one event per transaction 0.82 on disk,
0.53 on the RAM disk; batches of 200 0.72 on disk, 0.61 on the RAM disk.
"""

import sqlite3
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench import BenchResult, Timing, paired_timings, rate_result, scaled, tiny
from bench.verify_floors import (
    entry_bytes_mean,
    on_every_core,
    read_and_hash,
    read_and_hash_all,
    sha256_costs,
    sqlite_read,
)
from leadreview import compiled_paths
from leadreview.audit import AuditLog, NewEvent
from leadreview.audit.service import verify_store
from leadreview.compiled_paths import VerifyKernel
from leadreview.store import Store, open_store

BATCH = 200  # about one search: 50 leads x 4 policies, verdict events
VERIFY_TARGET = 600_000.0
PROOF_BUDGET_MS = 10.0
_SELECT = (
    "SELECT seq, time, actor, role, event_type, payload, prev_digest, digest, format, auth, login "
    "FROM audit_event ORDER BY seq"
)
_SELECT_TREE = "SELECT seq, hashes FROM audit_merkle ORDER BY seq"
# Storage to compare on: the usual temporary directory (disk) and a RAM disk.
_STORAGE = {"disk": None, "RAM disk": "/dev/shm"}


def _event(i: int) -> NewEvent:
    return NewEvent(
        actor=f"reviewer-{i % 17}",
        role="reviewer",
        event_type="lead.decided",
        payload={
            "case_id": f"C-{i // 50:06d}",
            "lead_rank": i % 50 + 1,
            "decision": "rejected" if i % 3 else "possible match",
            "rationale": "ear shape and jaw line differ from the probe",
        },
    )


def _fresh_store(directory: Path, name: str) -> Store:
    return open_store(url=f"sqlite:///{directory / name}")


def _append_ours(directory: Path, events: list[NewEvent], batch: int) -> float:
    store = _fresh_store(directory, "ours.db")
    log = AuditLog()
    start = time.perf_counter()
    if batch == 1:  # what a decision does: its own write unit, one event
        for event in events:
            with store.writing() as unit:
                log.append_many(unit, [event])
    else:  # what a batch recording does: a session, many events
        for k in range(0, len(events), batch):
            with store.transaction() as session:
                log.append_many(session, events[k : k + batch])
    elapsed = time.perf_counter() - start
    store.dispose()
    return elapsed


Rows = list[tuple[object, ...]]


def _stored_rows(directory: Path, events: list[NewEvent]) -> tuple[Rows, Rows]:
    """The event rows and Merkle rows an append of `events` stores."""
    store = _fresh_store(directory, "rows.db")
    with store.transaction() as session:
        AuditLog().append_many(session, events)
    with store.engine.connect() as connection:
        rows = [tuple(r) for r in connection.exec_driver_sql(_SELECT)]
        tree = [tuple(r) for r in connection.exec_driver_sql(_SELECT_TREE)]
    store.dispose()
    return rows, tree


def _append_raw(directory: Path, rows: Rows, tree: Rows, batch: int) -> float:
    """The floor: the same event and Merkle rows, inserted by the driver."""
    _fresh_store(directory, "raw.db").dispose()  # same schema, by the same migration
    connection = sqlite3.connect(directory / "raw.db", isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = FULL"):
        connection.execute(f"PRAGMA {pragma}")
    # As many values as the stored rows have columns (format 2 has eleven).
    sql = f"INSERT INTO audit_event VALUES ({', '.join('?' * len(rows[0]))})"
    tree_sql = "INSERT INTO audit_merkle VALUES (?, ?)"
    start = time.perf_counter()
    for k in range(0, len(rows), batch):
        connection.execute("BEGIN IMMEDIATE")
        if batch == 1:
            connection.execute(sql, rows[k])
            connection.execute(tree_sql, tree[k])
        else:
            connection.executemany(sql, rows[k : k + batch])
            connection.executemany(tree_sql, tree[k : k + batch])
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


def bench_append() -> list[BenchResult]:
    results = []
    for storage, parent in _STORAGE.items():
        if parent is not None and not Path(parent).is_dir():
            continue
        for batch in (1, BATCH):
            count = scaled(2_000 if batch == 1 else 20_000, 200)
            events = [_event(i) for i in range(count)]
            ours, raw = [], []
            for _ in range(scaled(4, 1)):
                with tempfile.TemporaryDirectory(prefix="bench-audit-", dir=parent) as tmp:
                    rows, tree = _stored_rows(Path(tmp), events)
                    ours.append(_append_ours(Path(tmp), events, batch))
                    raw.append(_append_raw(Path(tmp), rows, tree, batch))
            per = "one event per transaction" if batch == 1 else f"batches of {batch}"
            informative = batch == 1 and parent is None
            results.append(
                rate_result(
                    f"audit append, {count:,} events, {per}, {storage}",
                    count, Timing(tuple(ours)),
                    "raw inserts of the same rows, same storage", Timing(tuple(raw)),
                    target="(information: fsync)" if informative else "ratio >= 0.5",
                    passed=lambda a, b, free=informative: free or a >= 0.5 * b,
                )
            )  # fmt: skip
    return results


def _fill(store: Store, n: int) -> None:
    """`n` events, written through append_many in large transactions."""
    log = AuditLog()
    batch = min(n, 50_000)
    events = [_event(i) for i in range(batch)]
    for _ in range(0, n, batch):
        with store.transaction() as session:
            session.connection().exec_driver_sql("PRAGMA cache_size = -262144")
            log.append_many(session, events)


def bench_verify() -> list[BenchResult]:
    count = scaled(1_000_000, 5_000)
    path_name = "million.db"
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp:
        path = Path(tmp) / path_name
        store = _fresh_store(Path(tmp), path_name)
        _fill(store, count)
        proof_result = bench_proofs(store, Path(tmp), count)

        def verify(workers: int | None, kernel: VerifyKernel = "") -> None:
            # `kernel`: as LEADREVIEW_VERIFY_KERNEL would choose ("driver": rows through
            # the sqlite3 driver, the path before the C reader); the workers inherit it.
            before = compiled_paths.chosen()
            compiled_paths.choose(replace(before, verify=kernel))
            try:
                report = verify_store(store, workers=workers)
            finally:
                compiled_paths.choose(before)
            assert report.ok and report.events == count, report.lines()[:3]

        # Each figure timed in turn with its floor (A B A B …), so drift hits both.
        ours, floor = paired_timings(
            lambda: verify(None), lambda: on_every_core(read_and_hash, path, count), repeats=3
        )
        ours_again, must_hash = paired_timings(
            lambda: verify(None),
            lambda: on_every_core(read_and_hash_all, path, count),
            repeats=3,
            warmup=0,
        )
        ours_read, read_floor = paired_timings(
            lambda: verify(None),
            lambda: on_every_core(sqlite_read, path, count),
            repeats=3,
            warmup=0,
        )
        ours_c, driver = paired_timings(
            lambda: verify(None), lambda: verify(None, "driver"), repeats=3, warmup=0
        )
        one, one_floor = paired_timings(
            lambda: verify(1), lambda: read_and_hash(path), repeats=3, warmup=0
        )
        entry_size = entry_bytes_mean(path)
        store.dispose()
    verify_result = rate_result(
        f"audit verify, {count:,} SQLite events, every core",
        count, ours,
        "bare read + one sha256 per event, every core", floor,
        target=f">= {VERIFY_TARGET:,.0f} events/s",
        passed=lambda rate, _: tiny() or rate >= VERIFY_TARGET,
    )  # fmt: skip
    against_hashing = rate_result(
        "the same, against its hashing floor",
        count, ours_again, "read + every hash it must do, every core", must_hash,
        target="(info: checks, tree read)",
        passed=lambda _rate, _floor: True,
    )  # fmt: skip
    against_reading = rate_result(
        "the same, against SQLite's own read",
        count, ours_read, "SQLite reads both tables, no hash, every core", read_floor,
        target="(info: hashing and checks)",
        passed=lambda _rate, _floor: True,
    )  # fmt: skip
    against_driver = rate_result(
        "the same, against its rows through the driver",
        count, ours_c, "verify reading through sqlite3 (KERNEL=driver)", driver,
        target="(info: what the C reader adds)",
        passed=lambda _rate, _floor: True,
    )  # fmt: skip
    one_core = rate_result(
        f"audit verify, {count:,} SQLite events, one process",
        count, one, "bare read + one sha256 per event, one process",
        one_floor, target="(information: what the second core adds)",
        passed=lambda _rate, _floor: True,
    )  # fmt: skip
    return [
        proof_result,
        verify_result,
        against_hashing,
        against_reading,
        against_driver,
        one_core,
        sha256_result(entry_size),
    ]


def sha256_result(entry_size: float) -> BenchResult:
    """What one event's SHA-256 costs from Python against what the CPU hashes its bytes
    at: the ratio is the share of hashlib's per-call overhead (three calls per event)."""
    throughput, per_call_us = sha256_costs(round(entry_size), seconds=0.05 if tiny() else 0.5)
    bytes_us = entry_size / throughput  # MB/s is bytes per microsecond
    return BenchResult(
        name=f"sha256 of a {entry_size:.0f}-byte envelope (CPU: {throughput:,.0f} MB/s)",
        value=per_call_us,
        unit="µs",
        baseline_name="its bytes at that rate",
        baseline=bytes_us,
        target="(information: 3 per event)",
        passed=True,
    )


def bench_proofs(store: Store, directory: Path, count: int) -> BenchResult:
    """An inclusion proof on the million-event log: produced from the database (the event
    and its ~20 hashes, one query each) and checked against a signed checkpoint."""
    import random

    from leadreview.audit.proofs import InclusionProof
    from leadreview.audit.service import AuditContext, make_checkpoint, prove_inclusion

    context = AuditContext(directory / "bench.key", directory / "checkpoints", "bench.local/log")
    checkpoint = make_checkpoint(store, context).checkpoint
    rng = random.Random(7)
    produce, check = [], []
    for seq in [rng.randint(1, count) for _ in range(scaled(50, 3))]:
        start = time.perf_counter()
        proof: InclusionProof = prove_inclusion(store, context, seq)
        produce.append(time.perf_counter() - start)
        start = time.perf_counter()
        proof.check(checkpoint)
        check.append(time.perf_counter() - start)
    produce_ms = sorted(produce)[len(produce) // 2] * 1000
    check_ms = sorted(check)[len(check) // 2] * 1000
    return BenchResult(
        name=f"inclusion proof on {count:,} events: produce {produce_ms:.2f} ms, "
        f"check {check_ms:.3f} ms (medians of {len(produce)})",
        value=produce_ms + check_ms,
        unit="ms",
        baseline_name="the 10 ms budget",
        baseline=PROOF_BUDGET_MS,
        target=f"produce and check < {PROOF_BUDGET_MS:.0f} ms each",
        passed=tiny() or (produce_ms < PROOF_BUDGET_MS and check_ms < PROOF_BUDGET_MS),
    )


def run() -> list[BenchResult]:
    return [*bench_append(), *bench_verify()]
