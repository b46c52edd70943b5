"""Decisions per second through the service from several processes at once (issue 17).

P processes (1, 2, 4 and 8; 1 and 2 in tiny mode), each with its own `ReviewWorkflow`
over the real store and its own registered reviewer, decide disjoint open leads of one
database (`decide`, with a rationale, as the terminal app does). The figure is decisions
per second over the wall time from a barrier all of them pass to the last one's finish.

The baseline, in the same run and on a copy of the same database: as many processes
writing each decision's bare write transaction with the driver — the lead's UPDATE, the
decision, its audit event and Merkle row (the very rows the service wrote), COMMIT —
under the lock every append to the chain needs (SQLite: BEGIN IMMEDIATE; PostgreSQL: the
audit head row FOR UPDATE). Service and floor run in turn, A B A B, on fresh copies.
Target: throughput >= 1/1.5 of the floor's, i.e. a decision under contention costs at
most 1.5x its write transaction (the one-process goal of issue 17, held at every P).

After every service run the bench checks that each lead has exactly its one decision by
the reviewer who made it and that `verify` passes over the whole log: a benchmark that
lost writes under contention would be worse than none.

SQLite is a file on disk (WAL, synchronous=FULL, as the product opens it); PostgreSQL is
a database made for the run on LEADREVIEW_BENCH_POSTGRES_URL's server (default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres) and dropped after; if that server
does not answer, one line says so and only the SQLite figures are reported. On a 2-core
machine, 8 processes measure contention for the writer lock and the cores, not scaling.

Figures (decisions/s, medians of 5, service vs floor; shared 2-core machine whose load
from other work moved between 4.4 and 7.7 during the runs, so run-to-run swings of a
third are the machine's, not the code's). Before the head guess and the unsorted lead
read (load 6.0): SQLite 1/2/4/8 processes 232.9/248.2/231.8/209.8 vs 265.8/268.9/
234.9/218.2; PostgreSQL 215.7/204.3/176.0/165.3 vs 224.0/232.6/185.7/184.3. After, with
the head guessed even under contention (load 4.4-7.2): SQLite 258.6/263.5/245.8/203.8
vs 260.8/266.1/266.2/264.3 (the floor's copy from then on without 0009's trigger);
PostgreSQL, whose path did not change, 162.3/152.4/166.4/153.9 vs 206.6/261.3/214.9/
173.7 (2 processes 0.58: noise). After, guessing only while it pays (load 6.3-7.7):
SQLite 173.2/225.1/194.5/201.0 vs 224.0/260.1/220.2/202.7; PostgreSQL 231.1/254.2/
130.6/159.5 vs 265.1/278.4/174.7/176.6. Every ratio but that one PostgreSQL figure stays
above 0.67; the differences between the runs are within what the load moves.
"""

import json
import multiprocessing
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.context import ForkContext, SpawnContext
from typing import Any

import numpy as np
import numpy.typing as npt

from bench import BenchResult, Deadline, Timing, rate_result, scaled, tiny
from bench.bench_decisions import _COLLECTION, _INVESTIGATOR, _RATIONALE, _percent
from bench.decision_databases import (
    Databases,
    PostgresDatabases,
    driver_connection,
    postgres_databases,
    sqlite_files,
)

_TARGET = 1.5
_WAIT_S = 600.0  # a worker that neither finishes nor fails in this long has hung
_DECIDED = ("decision", "audit_event", "audit_merkle")
_CHAIN_LINK_TRIGGER = "audit_event_extends_head"  # migration 0009's, SQLite only


def _process_counts() -> tuple[int, ...]:
    return (1, 2) if tiny() else (1, 2, 4, 8)


def _reviewer(worker: int) -> str:
    return f"bench-reviewer-{worker}"


def _gallery() -> npt.NDArray[np.float32]:
    gallery = np.random.default_rng(17).standard_normal((200, 128)).astype(np.float32)
    gallery /= np.linalg.norm(gallery, axis=1, keepdims=True)
    return gallery


def _service(url: str, *, search: bool) -> Any:
    """A `ReviewWorkflow` over `url` as the app builds one; with a simulated gallery of
    200 faces when it must open cases (deciding needs none)."""
    from leadreview.audit.log import AuditLog
    from leadreview.policy.loader import bundled_policy_paths, load_policy_file
    from leadreview.search.simulated import SimulatedRekognition
    from leadreview.store import open_store
    from leadreview.workflow.cases import SearchBackend
    from leadreview.workflow.context import WorkflowContext
    from leadreview.workflow.policy_set import PolicySet
    from leadreview.workflow.service import ReviewWorkflow

    backend = None
    if search:
        gallery = _gallery()
        client = SimulatedRekognition(_percent)
        client.create_collection(CollectionId=_COLLECTION)
        ids = [f"booking-{i:04d}" for i in range(len(gallery))]
        client.import_faces(_COLLECTION, gallery, ExternalImageIds=ids)
        backend = SearchBackend(client=client, collection_id=_COLLECTION)
    policies = PolicySet.of([load_policy_file(p) for p in bundled_policy_paths()])
    context = WorkflowContext(store=open_store(url), audit=AuditLog())
    return ReviewWorkflow(ctx=context, policies=policies, backend=backend)


def _build_template(url: str, leads_needed: int, reviewers: int) -> list[int]:
    """Open cases until `leads_needed` leads are open, after each reviewer has decided
    one lead of their own (registered, so a timed decision appends exactly one event)."""
    from PIL import Image

    from leadreview.domain.case import CaseOpening
    from leadreview.domain.decision import DecisionKind
    from leadreview.domain.probe import CaptureQuality
    from leadreview.domain.roles import Actor, Role
    from leadreview.search.probe_image import encode_probe_image

    workflow = _service(url, search=True)
    image = encode_probe_image(_gallery()[0], Image.new("RGB", (96, 96)))
    leads: list[int] = []
    while len(leads) < leads_needed + reviewers:
        opening = CaseOpening(
            offense="theft from a store",
            quality=CaptureQuality.CCTV,
            source="store CCTV",
            image=image,
            probe_ref=f"probe-{len(leads)}",
        )
        detail = workflow.open_case(_INVESTIGATOR, opening)
        leads += [lead.lead_id for lead in detail.leads if lead.shown]
    for worker in range(reviewers):
        actor = Actor(name=_reviewer(worker), role=Role.REVIEWER)
        workflow.decide(actor, leads[worker], DecisionKind.NOT_A_MATCH, _RATIONALE)
    workflow.ctx.store.dispose()
    return leads[reviewers : reviewers + leads_needed]


# --- the workers ----------------------------------------------------------------------


def _clock() -> float:
    # CLOCK_MONOTONIC is one clock for the whole machine on Linux, so the workers' start
    # and finish times compare across processes.
    return time.monotonic()


@contextmanager
def _service_action(url: str, worker: int) -> Iterator[Callable[[Any], None]]:
    """Deciding one lead, as this worker's reviewer, through the service."""
    from leadreview.domain.decision import DecisionKind
    from leadreview.domain.roles import Actor, Role

    workflow = _service(url, search=False)
    actor = Actor(name=_reviewer(worker), role=Role.REVIEWER)
    try:
        yield lambda lead: workflow.decide(actor, lead, DecisionKind.NOT_A_MATCH, _RATIONALE)
    finally:
        workflow.ctx.store.dispose()


@dataclass(frozen=True)
class _Write:
    """One decision's bare write transaction: the rows the service wrote for it."""

    lead_id: int
    status: str
    version_seen: int
    decision: tuple[Any, ...]
    event: tuple[Any, ...]
    merkle: tuple[Any, ...]


@contextmanager
def _driver_action(url: str, _worker: int) -> Iterator[Callable[[Any], None]]:
    """Writing one decision's rows with the driver, under the log's writer lock."""
    from leadreview.audit.log import _LOCK_HEAD_SQL

    with driver_connection(url) as (connection, mark):
        sqlite = url.startswith("sqlite:")
        update = f"UPDATE lead SET status = {mark}, version = version + 1 "
        update += f"WHERE id = {mark} AND version = {mark}"

        def insert(table: str, row: tuple[Any, ...]) -> None:
            connection.execute(f"INSERT INTO {table} VALUES ({', '.join([mark] * len(row))})", row)

        def write(item: _Write) -> None:
            # SQLite: the writer lock from BEGIN on, as the product takes it. PostgreSQL:
            # the audit head row, the lock every append to the chain takes.
            connection.execute("BEGIN IMMEDIATE" if sqlite else "BEGIN")
            if not sqlite:
                connection.execute(_LOCK_HEAD_SQL).fetchone()
            connection.execute(update, (item.status, item.lead_id, item.version_seen))
            insert("decision", item.decision)
            insert("audit_event", item.event)
            insert("audit_merkle", item.merkle)
            connection.execute("COMMIT")

        yield write


_ACTIONS = {"service": _service_action, "driver": _driver_action}


def _run_share(kind: str, url: str, worker: int, work: list[Any], barrier: Any, out: Any) -> None:
    """One worker: set up, wait for all at the barrier, do its share, report its times."""
    try:
        with _ACTIONS[kind](url, worker) as act:
            barrier.wait(_WAIT_S)
            start = _clock()
            for item in work:
                act(item)
            finish = _clock()
        out.put((start, finish, ""))
    except Exception as exc:
        barrier.abort()  # the others stop waiting and report too
        out.put((0.0, 0.0, f"{kind} worker {worker}: {type(exc).__name__}: {exc}"))


def _start_method() -> ForkContext | SpawnContext:
    # fork starts a worker in milliseconds with the modules already imported (spawn would
    # import the package afresh in each); safe here because the bench runs no threads.
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _together(kind: str, url: str, shares: Sequence[list[Any]]) -> float:
    """Seconds from the barrier all workers pass to the last one's finish."""
    context = _start_method()
    barrier = context.Barrier(len(shares))
    out = context.Queue()
    workers = [
        context.Process(target=_run_share, args=(kind, url, i, share, barrier, out))
        for i, share in enumerate(shares)
    ]
    for worker in workers:
        worker.start()
    reports: list[tuple[float, float, str]] = []
    deadline = Deadline(_WAIT_S, f"{len(workers)} {kind} workers")
    while len(reports) < len(workers):
        try:
            reports.append(out.get(timeout=1.0))
        except queue.Empty:
            # A worker killed outright (out of memory, a signal) never reports.
            if not any(worker.is_alive() for worker in workers) and out.empty():
                codes = [worker.exitcode for worker in workers]
                raise RuntimeError(f"{kind} workers ended without reporting: {codes}") from None
            deadline.check()
    for worker in workers:
        worker.join(_WAIT_S)
    errors = [error for _, _, error in reports if error]
    if errors:
        raise RuntimeError(errors[0])
    return float(max(finish for _, finish, _ in reports) - min(start for start, _, _ in reports))


# --- what was written, and checking it ------------------------------------------------


@dataclass(frozen=True)
class _Before:
    """The template's last decision id and audit seq: what a run writes lies beyond."""

    decision_id: int
    seq: int


def _before(url: str) -> _Before:
    with driver_connection(url) as (connection, _):
        decision = connection.execute("SELECT coalesce(max(id), 0) FROM decision").fetchone()
        seq = connection.execute("SELECT coalesce(max(seq), 0) FROM audit_event").fetchone()
    return _Before(int(decision[0]), int(seq[0]))


def _check_written(url: str, before: _Before, owners: dict[int, int], *, service: bool) -> None:
    """Every lead decided exactly once, by its worker's reviewer; one event and one Merkle
    row per decision; and (for the service) the whole log verifies."""
    with driver_connection(url) as (connection, mark):
        decided = connection.execute(
            "SELECT d.lead_id, r.name FROM decision d JOIN reviewer r ON r.id = d.reviewer_id "
            f"WHERE d.id > {mark}",
            (before.decision_id,),
        ).fetchall()
        counts = [
            connection.execute(
                f"SELECT count(*) FROM {table} WHERE seq > {mark}", (before.seq,)
            ).fetchone()[0]
            for table in _DECIDED[1:]
        ]
    expected = Counter((lead, _reviewer(worker)) for lead, worker in owners.items())
    if Counter((int(lead), str(name)) for lead, name in decided) != expected:
        raise RuntimeError(f"{url}: the decisions written are not the {len(owners)} made")
    if counts != [len(owners), len(owners)]:
        raise RuntimeError(f"{url}: {counts} events and Merkle rows for {len(owners)} decisions")
    if service:
        _verify(url, before.seq + len(owners))


def _verify(url: str, events: int) -> None:
    from leadreview.audit.service import verify_store
    from leadreview.store import open_store

    store = open_store(url)
    try:
        report = verify_store(store)
    finally:
        store.dispose()
    if not report.ok or report.events != events:
        raise RuntimeError(f"{url}: verify after the run: {report.lines()[0]}")


def _replayable(url: str) -> None:
    """Let the floor's workers replay the service's rows on SQLite: each replays its own
    share's events with the seq and digests they were sealed with, so with several
    workers an event may arrive before its predecessor, which the chain-link trigger
    (migration 0009) rightly refuses. Without it the floor skips that trigger's one
    lookup per event the service pays: if anything, a floor harder to come near."""
    if url.startswith("sqlite:"):
        with driver_connection(url) as (connection, _mark):
            connection.execute(f"DROP TRIGGER IF EXISTS {_CHAIN_LINK_TRIGGER}")


def _writes(url: str, before: _Before, owners: dict[int, int], workers: int) -> list[list[Any]]:
    """Each worker's decisions as the service wrote them, in the order it made them."""
    with driver_connection(url) as (connection, mark):
        after = (before.decision_id,)
        decisions = connection.execute(
            f"SELECT * FROM decision WHERE id > {mark} ORDER BY id", after
        ).fetchall()
        cursor = connection.execute(
            f"SELECT * FROM audit_event WHERE seq > {mark} ORDER BY seq", (before.seq,)
        )
        payload_at = [d[0] for d in cursor.description].index("payload")
        events = cursor.fetchall()
        merkle = connection.execute(
            f"SELECT * FROM audit_merkle WHERE seq > {mark} ORDER BY seq", (before.seq,)
        ).fetchall()
        leads = {
            int(row[0]): (str(row[1]), int(row[2]))
            for row in connection.execute("SELECT id, status, version FROM lead").fetchall()
        }
    by_id = {int(row[0]): row for row in decisions}
    shares: list[list[Any]] = [[] for _ in range(workers)]
    for event, tree_row in zip(events, merkle, strict=True):
        decision = by_id[int(json.loads(event[payload_at])["decision_id"])]
        lead_id = int(decision[1])
        status, version = leads[lead_id]
        write = _Write(lead_id, status, version - 1, tuple(decision), tuple(event), tuple(tree_row))
        shares[owners[lead_id]].append(write)
    return shares


# --- the figures ----------------------------------------------------------------------


def _one_backend(databases: Databases, total: int) -> list[BenchResult]:
    counts = _process_counts()
    template = databases.template_url()
    leads = _build_template(template, total, max(counts))
    before = _before(template)
    results = []
    for processes in counts:
        per = total // processes
        owners = {lead: i // per for i, lead in enumerate(leads[: per * processes])}
        decided = len(owners)
        lead_shares = [leads[w * per : (w + 1) * per] for w in range(processes)]
        ours, floor = [], []
        for repeat in range(scaled(5, 1)):
            service_url = databases.fresh_copy(f"service_{processes}_{repeat}")
            driver_url = databases.fresh_copy(f"driver_{processes}_{repeat}")
            try:
                ours.append(_together("service", service_url, lead_shares))
                _check_written(service_url, before, owners, service=True)
                writes = _writes(service_url, before, owners, processes)
                _replayable(driver_url)
                floor.append(_together("driver", driver_url, writes))
                _check_written(driver_url, before, owners, service=False)
            finally:
                databases.discard(service_url)
                databases.discard(driver_url)
        plural = "process" if processes == 1 else "processes"
        results.append(
            rate_result(
                # Short enough for one line of `python -m bench` (its test reads the lines).
                f"{databases.backend} decisions via the service, {processes} {plural}",
                decided,
                Timing(tuple(ours)),
                "driver writes, as many processes",
                Timing(tuple(floor)),
                target=f"ratio >= {1 / _TARGET:.2f}",
                passed=lambda ours_rate, floor_rate: ours_rate * _TARGET >= floor_rate,
                unit="decisions/s",
            )
        )
    return results


def run() -> list[BenchResult]:
    total = scaled(480, 8)  # split evenly: divisible by every process count
    with sqlite_files() as files:
        results = _one_backend(files, total)
    with postgres_databases() as databases:
        if isinstance(databases, str):
            print(f"  no PostgreSQL figures: {databases}", flush=True)
        else:
            results += _postgres_figures(databases, total)
    return results


def _postgres_figures(databases: PostgresDatabases, total: int) -> list[BenchResult]:
    """The figures, or none and one line if the server answers but will not host them
    (no right to create databases, say); a lost write or a failed verify still raises."""
    import psycopg

    from leadreview.errors import ConfigurationError
    from leadreview.store import masked_url

    try:
        return _one_backend(databases, total)
    except (psycopg.Error, ConfigurationError) as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        print(f"  no PostgreSQL figures: {masked_url(databases.base_url)}: {reason}", flush=True)
        return []
