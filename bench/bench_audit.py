"""Audit log speed: batch appends on SQLite, and verifying a million events.

- Appending 20,000 events in batches of 200 (about one search: 50 leads × 4 policies)
  through `AuditLog.append_many` (validation, canonical JSON, SHA-256 chaining, read
  models, one transaction per batch) against plain
  sqlite3 `executemany` of the very same rows into the same schema with the same pragmas
  (WAL, synchronous=FULL, one transaction per batch). Target: ratio >= 0.5.
- `verify` of 1,000,000 events (streamed from SQLite, every digest recomputed, every link
  and sequence number checked, every leaf hash recomputed and the stored Merkle tree
  checked row by row). Target: >= 300,000 events/s. Shown against plain
  `hashlib.sha256` over the same canonical bytes already in memory, the floor no
  verifier can beat.
"""

import hashlib
import sqlite3
import tempfile
import time
from pathlib import Path

from bench import BenchResult
from leadreview.audit import AuditLog, NewEvent
from leadreview.audit.canonical import row_envelope
from leadreview.audit.service import verify_store
from leadreview.store import Store, open_store

APPEND_EVENTS = 20_000
APPEND_BATCH = 200  # about one search: 50 leads x 4 policies, verdict events
VERIFY_EVENTS = 1_000_000
VERIFY_TARGET = 300_000.0
PROOF_BUDGET_MS = 10.0
_SELECT = (
    "SELECT seq, time, actor, role, event_type, payload, prev_digest, digest, format, auth, login "
    "FROM audit_event ORDER BY seq"
)


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


def _time_ours(directory: Path, events: list[NewEvent]) -> tuple[float, list[tuple[object, ...]]]:
    store = _fresh_store(directory, "ours.db")
    log = AuditLog()
    start = time.perf_counter()
    for k in range(0, len(events), APPEND_BATCH):
        with store.transaction() as session:
            log.append_many(session, events[k : k + APPEND_BATCH])
    elapsed = time.perf_counter() - start
    with store.engine.connect() as connection:
        rows = [tuple(r) for r in connection.exec_driver_sql(_SELECT)]
    store.dispose()
    return elapsed, rows


def _time_plain(directory: Path, rows: list[tuple[object, ...]]) -> float:
    _fresh_store(directory, "plain.db").dispose()  # same schema, by the same migration
    connection = sqlite3.connect(directory / "plain.db", isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = FULL"):
        connection.execute(f"PRAGMA {pragma}")
    sql = "INSERT INTO audit_event VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    start = time.perf_counter()
    for k in range(0, len(rows), APPEND_BATCH):
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(sql, rows[k : k + APPEND_BATCH])
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


def bench_append() -> BenchResult:
    events = [_event(i) for i in range(APPEND_EVENTS)]
    ours, plain = [], []
    for rep in range(4):  # the first pair only warms caches and imports
        with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp:
            elapsed, rows = _time_ours(Path(tmp), events)
            plain_elapsed = _time_plain(Path(tmp), rows)
        if rep:
            ours.append(elapsed)
            plain.append(plain_elapsed)
    ours_rate = APPEND_EVENTS / sorted(ours)[1]
    plain_rate = APPEND_EVENTS / sorted(plain)[1]
    return BenchResult(
        name=f"audit append_many, {APPEND_EVENTS:,} events in batches of {APPEND_BATCH}",
        value=ours_rate,
        unit="events/s",
        baseline_name="plain sqlite3 executemany, same rows and schema",
        baseline=plain_rate,
        target="ratio >= 0.5",
        passed=ours_rate >= 0.5 * plain_rate,
    )


def _fill(store: Store, n: int) -> None:
    """A million events, written through append_many in large transactions."""
    log = AuditLog()
    batch = 50_000
    events = [_event(i) for i in range(batch)]
    for _ in range(0, n, batch):
        with store.transaction() as session:
            session.connection().exec_driver_sql("PRAGMA cache_size = -262144")
            log.append_many(session, events)


def _canonical_bytes(store: Store, limit: int) -> list[bytes]:
    with store.engine.connect() as connection:
        result = connection.exec_driver_sql(f"{_SELECT} LIMIT {limit}")
        return [row_envelope(tuple(row)).encode() for row in result]


def bench_verify() -> list[BenchResult]:
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp:
        store = _fresh_store(Path(tmp), "million.db")
        _fill(store, VERIFY_EVENTS)
        proof_result = bench_proofs(store, Path(tmp))
        sample = _canonical_bytes(store, 200_000)
        verify_times, hash_times = [], []
        for _ in range(3):
            start = time.perf_counter()
            report = verify_store(store)
            verify_times.append(time.perf_counter() - start)
            assert report.ok and report.events == VERIFY_EVENTS, report.lines()[:3]
            sha256 = hashlib.sha256
            start = time.perf_counter()
            for blob in sample:
                sha256(blob).hexdigest()
            hash_times.append(time.perf_counter() - start)
        store.dispose()
    rate = VERIFY_EVENTS / sorted(verify_times)[1]
    hash_rate = len(sample) / sorted(hash_times)[1]
    return [
        proof_result,
        BenchResult(
            name=f"audit verify, {VERIFY_EVENTS:,} events from SQLite",
            value=rate,
            unit="events/s",
            baseline_name="hashlib.sha256 over the same canonical bytes in memory",
            baseline=hash_rate,
            target=f">= {VERIFY_TARGET:,.0f} events/s",
            passed=rate >= VERIFY_TARGET,
        ),
    ]


def bench_proofs(store: Store, directory: Path) -> BenchResult:
    """An inclusion proof on the million-event log: produced from the database (the event
    and its ~20 hashes, one query each) and checked against a signed checkpoint."""
    import random

    from leadreview.audit.proofs import InclusionProof
    from leadreview.audit.service import AuditContext, make_checkpoint, prove_inclusion

    context = AuditContext(directory / "bench.key", directory / "checkpoints", "bench.local/log")
    checkpoint = make_checkpoint(store, context).checkpoint
    rng = random.Random(7)
    produce, check = [], []
    for seq in [rng.randint(1, VERIFY_EVENTS) for _ in range(50)]:
        start = time.perf_counter()
        proof: InclusionProof = prove_inclusion(store, context, seq)
        produce.append(time.perf_counter() - start)
        start = time.perf_counter()
        proof.check(checkpoint)
        check.append(time.perf_counter() - start)
    produce_ms = sorted(produce)[len(produce) // 2] * 1000
    check_ms = sorted(check)[len(check) // 2] * 1000
    return BenchResult(
        name=f"inclusion proof on {VERIFY_EVENTS:,} events: produce {produce_ms:.2f} ms, "
        f"check {check_ms:.3f} ms (medians of 50)",
        value=produce_ms + check_ms,
        unit="ms",
        baseline_name="the 10 ms budget",
        baseline=PROOF_BUDGET_MS,
        target=f"produce and check < {PROOF_BUDGET_MS:.0f} ms each",
        passed=produce_ms < PROOF_BUDGET_MS and check_ms < PROOF_BUDGET_MS,
    )


def run() -> list[BenchResult]:
    return [bench_append(), *bench_verify()]
