"""A reviewer's decision through the service against its bare write transaction.

`ReviewWorkflow.decide` (the role check, the lead and its case read under the writer
lock, the rationale rule of the policy in force, the optimistic version check, the
decision, its chained and Merkle-hashed audit event, and the lead view handed back to
the UI) against the driver writing the very same rows in one transaction: the lead's
UPDATE, the decision INSERT, the audit event and its Merkle row, then COMMIT. Both run
on copies of one SQLite database (WAL, synchronous=FULL) on the same storage, on disk and
on a RAM disk (/dev/shm: no fsync, so the service's own overhead shows), in turn.
Target (issue 17): one decision <= 1.5x its write transaction.

For information, the same decisions against every statement the service runs (its read
of the lead under the lock as well as the writes; the log's head is guessed, not read,
when one process decides in a row) issued by the driver with the values known:
that floor is SQLite's own cost of a decision, so the ratio against it shows what our
code adds around the driver's calls (building the statements' values, canonical JSON,
SHA-256 of the chain and the tree, the returned view, the unit).

Why the target is met on disk and not on the RAM disk (measured on a shared 2-core
machine, load 4-9): a decision must read under the writer lock what the bare floor
takes as given — the lead's version and status with its case, verdicts and earlier
decisions (one statement), and the log's head (checked, never trusted from memory) — so
it runs 8 statements where the floor runs 6. On the RAM disk those 8 statements, issued
by the driver alone, cost 1.47-1.57x the floor: even with no Python of ours the target
would be at its edge. The service itself ran at 2.0-2.6x the every-statement floor;
timed by phase in one process (load 5), a decision's 235 µs were the lead read 51 µs,
the append 48 µs (head, event and tree row, sealing and hashing), the decision's INSERT
30 µs, the returned view 11 µs, the UPDATE 4 µs, and about 90 µs for BEGIN, COMMIT and
the glue between — most of each phase is the driver's own call, so the gap to the
every-statement floor is not one Python hot spot. On disk the commit's fsync dominates
both, and the ratio is 0.9-1.2.

Later (shared 2-core machine, load 1-3, three runs each side by side): after the write
unit became a class (no generator context managers), the lead read a named tuple and
the enum values were looked up once, the RAM disk measured 1.66-1.67x the every-
statement floor (2.46-2.51x the write floor) against 1.75-1.94x (2.61-2.84x) before; on
disk 1.44-1.62x the write floor against 1.51-1.73x — the disk ratio swings with the
fsync more than with our code. What is left on the RAM disk, about 40 µs beyond the
driver's own calls, is spread thin: building and validating the returned views (~5 µs),
sealing the event (canonical JSON, envelope, two SHA-256: ~5 µs), and in the rest no
single frame above a few µs in a sampling profile (the lead row's unpacking, the
payload, the datetime processor, the unit's scope, the role check, the clock).

Fewer statements (issue 17, this round; shared 2-core machine at load 4.5-7, so every
figure below is a median of runs alternated A B A B, and the noise is of the order of
the gains). What each of the two reads under the lock cost the driver alone, RAM disk:
the log's head 1.5 µs, the lead read 37 µs, of which 13 µs were SQLite sorting the joined
rows for its ORDER BY. So:
- The head is no longer read on SQLite when this process wrote it: migration 0009 makes
  the database refuse an event whose prev_digest is not the digest at seq - 1, and only a
  refused guess reads the head (audit/log.py). Worth 2.5 µs a decision (paired in one
  process, 60 pairs, 33 faster: 245 µs either way, load 5.7) — the statement was cheap.
- The lead read comes unordered and is ordered by id in Python: 23 µs instead of 37 µs
  for the statement alone. Both changes together, paired in one process on the RAM
  disk: 7.9 µs less a decision, 169.4 against 177.6 µs (80 pairs, 64 faster, load 5.0);
  an earlier run at load 6.6-6.9, 9.8 µs (332 vs 342 µs, 40 pairs, 25 faster).
- Tried and dropped: folding the lead read into the decision's INSERT … SELECT …
  RETURNING (one statement fewer), with the verdicts and earlier decisions aggregated
  as JSON in the RETURNING. By the driver alone it was slower than the read plus the
  writes it replaces, 191-214 µs against 161-168 µs (RAM disk, load 4.5); without the
  aggregates 134 µs against 174 µs, so the aggregates cost more than the statement. The
  UPDATE … RETURNING variant would also need the new status computed in SQL, a second
  copy of `lead_status`.
Before and after through this benchmark's own code, base and ours alternated on copies
of one template (9 rounds of 300, load 5.8-6.5): RAM disk 293.8 µs before, 285.8 µs
after, the write floor 100.6 µs: 2.92x before, 2.84x after; a second such run (11 rounds,
load 5.0-5.5) came out the other way, 194.7 against 235.4 µs with the floor at 76.2 µs,
its rounds spread from 176 to 481 µs: across processes the machine's load swamps a 4%
change, which is why the paired figures above are the ones to read. Disk (7 rounds): 3.90 ms
before, 3.96 ms after, the floor 4.00 ms: 0.98x and 0.99x (the fsync is the figure).
By phase now, in one process on the RAM disk (load 5.7): of 224-274 µs, the lead read
46-48 µs, the append 48-69 µs (its two INSERTs, sealing, hashing), the decision's INSERT
16-17 µs, the UPDATE 5 µs, and 100-130 µs around them: BEGIN and COMMIT (the WAL write),
the role check, the rationale rule, the views handed back. The RAM-disk target stays
missed by far: the Python around the six statements the floor also runs is as large as
the floor itself, and no statement left is ours to drop.

Idle, after every round was merged (2026-11-28, AMD EPYC 2 cores, load 1.3; 300
decisions in a row, medians): disk 0.512 ms vs the write transaction 0.330 ms → 1.55
(vs every statement by the driver 0.352 ms → 1.45); RAM disk 0.160 vs 0.0567 ms → 2.83
(vs every statement 0.0790 ms → 2.03). This machine's disk syncs in about a quarter of a
millisecond, so the fsync no longer hides the service's own cost on disk either; the
target is missed on both.
"""

import sqlite3
import tempfile
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bench import BenchResult, Timing, scaled, timed_result, tiny
from leadreview.audit.log import AuditLog
from leadreview.domain.case import CaseOpening
from leadreview.domain.decision import DecisionKind
from leadreview.domain.probe import CaptureQuality
from leadreview.domain.roles import Actor, Role
from leadreview.store import open_store
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.service import ReviewWorkflow

_STORAGE = {"disk": None, "RAM disk": "/dev/shm"}
_COLLECTION = "bench-gallery"
_REVIEWER = Actor(name="bench-reviewer", role=Role.REVIEWER)
_INVESTIGATOR = Actor(name="bench-investigator", role=Role.INVESTIGATOR)
_RATIONALE = "the ear shape and the jaw line differ from the probe"
_TARGET = 1.5


def _percent(cosines: npt.ArrayLike) -> npt.NDArray[np.float64]:
    return np.clip(np.asarray(cosines, dtype=np.float64), 0.0, 1.0) * 100.0


def _workflow(database: Path) -> tuple[ReviewWorkflow, bytes]:
    """The service over `database` with a simulated gallery, and a probe image for it."""
    from PIL import Image

    from leadreview.policy.loader import bundled_policy_paths, load_policy_file
    from leadreview.search.probe_image import encode_probe_image
    from leadreview.search.simulated import SimulatedRekognition
    from leadreview.workflow.cases import SearchBackend
    from leadreview.workflow.policy_set import PolicySet

    rng = np.random.default_rng(17)
    gallery = rng.standard_normal((200, 128)).astype(np.float32)
    gallery /= np.linalg.norm(gallery, axis=1, keepdims=True)
    client = SimulatedRekognition(_percent)
    client.create_collection(CollectionId=_COLLECTION)
    client.import_faces(
        _COLLECTION, gallery, ExternalImageIds=[f"booking-{i:04d}" for i in range(len(gallery))]
    )
    policies = PolicySet.of([load_policy_file(p) for p in bundled_policy_paths()])
    workflow = ReviewWorkflow(
        ctx=WorkflowContext(store=open_store(url=f"sqlite:///{database}"), audit=AuditLog()),
        policies=policies,
        backend=SearchBackend(client=client, collection_id=_COLLECTION),
    )
    return workflow, encode_probe_image(gallery[0], Image.new("RGB", (96, 96)))


def _template(folder: Path, decisions: int) -> tuple[Path, list[int]]:
    """A database with enough open leads, the reviewer already registered."""
    database = folder / "template.db"
    workflow, image = _workflow(database)
    leads: list[int] = []
    while len(leads) < decisions + 1:
        opening = CaseOpening(
            offense="theft from a store",
            quality=CaptureQuality.CCTV,
            source="store CCTV",
            image=image,
            probe_ref=f"probe-{len(leads)}",
        )
        detail = workflow.open_case(_INVESTIGATOR, opening)
        leads += [lead.lead_id for lead in detail.leads if lead.shown]
    workflow.decide(_REVIEWER, leads[0], DecisionKind.NOT_A_MATCH, _RATIONALE)
    workflow.ctx.store.dispose()
    return database, leads[1 : decisions + 1]


def _copy(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as origin, sqlite3.connect(target) as copy:
        origin.backup(copy)
    origin.close()
    copy.close()


def _decide_all(database: Path, leads: list[int]) -> float:
    workflow, _ = _workflow(database)
    start = time.perf_counter()
    for lead_id in leads:
        workflow.decide(_REVIEWER, lead_id, DecisionKind.NOT_A_MATCH, _RATIONALE)
    elapsed = time.perf_counter() - start
    workflow.ctx.store.dispose()
    return elapsed


_ROWS = {
    "decision": "SELECT * FROM decision ORDER BY id",
    "audit_event": "SELECT * FROM audit_event ORDER BY seq",
    "audit_merkle": "SELECT * FROM audit_merkle ORDER BY seq",
}


def _written_rows(database: Path, skip: dict[str, int]) -> dict[str, list[tuple[object, ...]]]:
    """The rows the service wrote, past the `skip` rows each table held before."""
    with sqlite3.connect(database) as connection:
        rows = {t: connection.execute(sql).fetchall()[skip[t] :] for t, sql in _ROWS.items()}
    connection.close()
    return rows


def _row_counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as connection:
        counts = {t: connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in _ROWS}
    connection.close()
    return counts


def _write_raw(database: Path, rows: dict[str, list[tuple[object, ...]]]) -> float:
    """The floor: each decision's rows written by the driver in one transaction."""
    connection = sqlite3.connect(database, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON"):
        connection.execute(f"PRAGMA {pragma}")
    inserts = {t: f"INSERT INTO {t} VALUES ({', '.join('?' * len(r[0]))})" for t, r in rows.items()}
    by_decision = zip(rows["decision"], rows["audit_event"], rows["audit_merkle"], strict=True)
    start = time.perf_counter()
    for decision, event, merkle in by_decision:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(
            "UPDATE lead SET status = ?, version = version + 1 WHERE id = ? AND version = ?",
            ("rejected", decision[1], 1),
        )
        connection.execute(inserts["decision"], decision)
        connection.execute(inserts["audit_event"], event)
        connection.execute(inserts["audit_merkle"], merkle)
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


def _statements_raw(
    database: Path, rows: dict[str, list[tuple[object, ...]]], leads: list[int]
) -> float:
    """Every statement the service runs for each decision — its read too (the lead with
    its case, verdicts, earlier decisions and the reviewer's id; the log's head is
    guessed, not read, when one process decides in a row) — by the driver with the
    values already known: what SQLite itself costs a decision, with no Python of ours
    around it. The difference to the service is ours."""
    from leadreview.workflow.decision_rows import _LEAD

    connection = sqlite3.connect(database, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON"):
        connection.execute(f"PRAGMA {pragma}")
    inserts = {t: f"INSERT INTO {t} VALUES ({', '.join('?' * len(r[0]))})" for t, r in rows.items()}
    by_decision = zip(
        leads, rows["decision"], rows["audit_event"], rows["audit_merkle"], strict=True
    )
    who = (_REVIEWER.name, _REVIEWER.role.value)
    start = time.perf_counter()
    for lead_id, decision, event, merkle in by_decision:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(_LEAD, (*who, lead_id)).fetchall()
        connection.execute(
            "UPDATE lead SET status = ?, version = ? WHERE id = ? AND version = ?",
            ("rejected", 2, lead_id, 1),
        )
        connection.execute(inserts["decision"] + " RETURNING id", decision).fetchone()
        connection.execute(inserts["audit_event"], event)
        connection.execute(inserts["audit_merkle"], merkle)
        connection.execute("COMMIT")
    elapsed = time.perf_counter() - start
    connection.close()
    return elapsed


def run() -> list[BenchResult]:
    results = []
    count = scaled(300, 10)
    for storage, parent in _STORAGE.items():
        if parent is not None and not Path(parent).is_dir():
            continue
        ours, floor, statements = [], [], []
        with tempfile.TemporaryDirectory(prefix="bench-decisions-", dir=parent) as tmp:
            folder = Path(tmp)
            template, leads = _template(folder, count)
            before = _row_counts(template)
            for repeat in range(scaled(5, 1)):
                for copy in ("ours", "raw", "statements"):
                    _copy(template, folder / f"{copy}-{repeat}.db")
                ours.append(_decide_all(folder / f"ours-{repeat}.db", leads) / count)
                rows = _written_rows(folder / f"ours-{repeat}.db", before)
                floor.append(_write_raw(folder / f"raw-{repeat}.db", rows) / count)
                every = _statements_raw(folder / f"statements-{repeat}.db", rows, leads)
                statements.append(every / count)
        results.append(
            timed_result(
                f"one decision through the service, SQLite, {storage} ({count} in a row)",
                Timing(tuple(ours)),
                "the same rows written by the driver in one transaction each",
                Timing(tuple(floor)),
                target=f"ratio <= {_TARGET}",
                passed=lambda a, b: tiny() or a <= _TARGET * b,
            )
        )
        results.append(
            timed_result(
                f"one decision through the service, SQLite, {storage} ({count} in a row)",
                Timing(tuple(ours)),
                "all its statements (reads too) by the driver",
                Timing(tuple(statements)),
                target="(information: the rest is Python)",
                passed=lambda _a, _b: True,
            )
        )
    return results
