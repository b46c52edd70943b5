"""`audit verify` on every core: the log split into contiguous ranges, each walked (the
chain, and the stored Merkle tree against the events' leaves) from its own connection in
its own process, and the ranges joined afterwards.

Only the verdict "this log is intact" is reached this way. If any range finds anything
wrong — a break, an audit_merkle row that does not match, ranges that do not join up, a
checkpoint the log does not extend — `verify_in_ranges` gives up (returns None) and the
caller walks the whole log again with the one sequential walker, so that every verdict
and message on a broken log is exactly the sequential one (a break at a range border is
never named twice, or differently).

Ranges start at multiples of 2^level events (level: ALIGN_LEVEL, or less for a log too
small to split there), so each holds every tree node below that level over its own
leaves (tree_check.py); the few nodes above are checked here.

The split needs only each table's lowest and highest sequence number, which the primary
key's index answers without reading the rows: the ranges cover 1…head between them, and
each range checks that it holds exactly its events and tree rows, consecutively, so a
gap, a missing tree row or a stray row still sends the log to the sequential walk.

On a SQLite file each range is read by the compiled reader when it is built
(`_verify_sqlite.c`, through chain_kernel.py): the rows go from SQLite's C API straight
into the checks, with no Python object per row. It says only "intact" (the range's
state) or "not" (the sequential walk names what); where it cannot read the file, the
range is read through the driver as before.
"""

import multiprocessing
import os
import threading
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from multiprocessing.context import BaseContext

from leadreview import compiled_paths
from leadreview.audit.canonical import GENESIS_DIGEST
from leadreview.audit.chain_kernel import sqlite_range_walker
from leadreview.audit.checkpoint import Checkpoint
from leadreview.audit.models import ROW_COLUMNS, RawRow
from leadreview.audit.stream import CHUNK_ROWS, stream_rows
from leadreview.audit.tree_check import RangeTreeCheck, UpperTreeCheck
from leadreview.audit.verdict import VerifyReport
from leadreview.audit.verify import ChainWalker, RangeState
from leadreview.store.engine import make_engine
from leadreview.store.store import Store

ALIGN_LEVEL = 16
# Below this many events a second process costs more than it saves (start-up ~50 ms).
PARALLEL_FROM = 150_000
MAX_WORKERS = 8


@dataclass(frozen=True)
class RangeResult:
    state: RangeState
    tree_problem: str
    tree_rows: int
    upper: list[bytes]  # each audit_merkle row's hashes from the alignment level up


def _no_stored_root(size: int) -> bytes | None:
    return None  # a range's walker only counts the tree; its roots are read by the joiner


def _select(table_columns: str, table: str, first: int, last: int) -> str:
    # Both bounds are ints computed here, never text from outside.
    return (
        f"SELECT {table_columns} FROM {table} "
        f"WHERE seq >= {int(first)} AND seq <= {int(last)} ORDER BY seq"
    )


def walk_range(
    url: str,
    first: int,
    last: int,
    checkpoints: Sequence[Checkpoint],
    chunk_rows: int,
    align_level: int,
) -> RangeResult:
    """Walk events `first`…`last` and their audit_merkle rows from a connection of its own;
    stops at the first thing wrong (the sequential walk will name it)."""
    compiled = _walk_in_c(url, first, last, checkpoints, chunk_rows, align_level)
    if compiled is not None:
        return compiled
    store = Store(make_engine(url))
    walker = ChainWalker("", checkpoints, _no_stored_root, first_seq=first, digest_leaves=False)
    tree = RangeTreeCheck(first, top=align_level)
    events_sql = _select(", ".join(ROW_COLUMNS), "audit_event", first, last)
    tree_sql = _select("seq, hashes", "audit_merkle", first, last)
    try:
        with (
            closing(
                stream_rows(store, chunk_rows, events_sql, undecodable_as_bytes=True)
            ) as events,
            closing(
                stream_rows(store, chunk_rows, tree_sql, undecodable_as_bytes=True)
            ) as tree_rows,
        ):
            _walk_together(walker, tree, events, tree_rows)
    finally:
        store.engine.dispose()
    return RangeResult(walker.state(), tree.problem, tree.rows, tree.upper)


def _read_only_uri(url: str) -> str | None:
    """A SQLite URI opening the database file of `url` read-only (its WAL still read),
    or None for anything else: another backend, an in-memory database, a URL with
    options of its own."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or parsed.query or database in ("", ":memory:"):
        return None
    if database.startswith("file:") or not os.path.isfile(database):
        return None
    # Not `immutable`: a log being appended to has a WAL, and mode=ro reads it.
    return f"file:{urllib.parse.quote(os.path.abspath(database))}?mode=ro"


def _walk_in_c(
    url: str,
    first: int,
    last: int,
    checkpoints: Sequence[Checkpoint],
    chunk_rows: int,
    align_level: int,
) -> RangeResult | None:
    """The range walked by the compiled SQLite reader; None where it is not built, not
    wanted, or cannot read this database (the driver's rows are walked instead)."""
    walker = sqlite_range_walker()
    uri = _read_only_uri(url) if walker is not None else None
    if walker is None or uri is None:
        return None
    sizes = sorted({c.size for c in checkpoints if first <= c.size <= last})
    link = GENESIS_DIGEST if first == 1 else None  # a later range's link is the joiner's
    found = walker(uri, first, last, link, chunk_rows, align_level, sizes)
    if found is None:
        return None
    if isinstance(found, bool):  # not intact: the sequential walk names why
        return RangeResult(RangeState(0, first, "", "", {}, True), "", 0, [])
    count, first_prev, last_digest, seen, tree_rows, upper = found
    state = RangeState(count, first + count, first_prev, last_digest, seen, False)
    return RangeResult(state, "", tree_rows, upper)


def _walk_together(
    walker: ChainWalker,
    tree: RangeTreeCheck,
    events: Iterator[list[RawRow]],
    tree_rows: Iterator[list[RawRow]],
) -> None:
    for chunk in events:
        walker.feed(chunk)
        stored = next(tree_rows, None)
        if stored is None:
            tree.problem = "audit_merkle has fewer rows than audit_event"
        elif tree.feed(stored) != walker.last_leaves and not tree.problem:
            tree.problem = "audit_merkle's leaf hashes are not those of the events"
        if tree.problem or walker.report.breaks:
            return
    if next(tree_rows, None) is not None:
        tree.problem = "audit_merkle has more rows than audit_event"


def _alignment(head: int, workers: int) -> int:
    """The level ranges are aligned to: ALIGN_LEVEL, or lower for a small log."""
    return max(0, min(ALIGN_LEVEL, (head // workers).bit_length() - 1))


def _boundaries(head: int, workers: int, level: int) -> list[int]:
    """Range starts (1-based): multiples of 2^level (plus 1) near equal shares."""
    unit = 1 << level
    cuts = sorted({round(head * i / workers / unit) * unit for i in range(1, workers)})
    return [1, *(cut + 1 for cut in cuts if 0 < cut < head)]


def _start_method() -> BaseContext:
    # fork starts a process in milliseconds, but forking a process that runs other threads
    # (the terminal app's workers) can copy a held lock; then spawn is the safe choice.
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


# One aggregate per subquery: SQLite answers a lone min() or max() from the index (a
# few page reads) but scans the table for both in one SELECT. One statement, one snapshot.
_BOUNDS = (
    "SELECT (SELECT min(seq) FROM audit_event), (SELECT max(seq) FROM audit_event), "
    "(SELECT min(seq) FROM audit_merkle), (SELECT max(seq) FROM audit_merkle)"
)


def _bounds(store: Store) -> tuple[int, int, int, int]:
    """(lowest, highest seq) of audit_event and of audit_merkle, 0 for an empty table."""
    from sqlalchemy import text

    with store.reading() as session:
        row = session.execute(text(_BOUNDS)).one()
    event_low, event_head, tree_low, tree_head = (int(value or 0) for value in row)
    return event_low, event_head, tree_low, tree_head


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def verify_in_ranges(
    store: Store,
    checkpoints: Sequence[Checkpoint],
    stored_root: Callable[[int], bytes | None],
    *,
    workers: int,
    chunk_rows: int = CHUNK_ROWS,
) -> VerifyReport | None:
    """The report of an intact log, walked in `workers` ranges at once; None when the
    log must be walked sequentially (too small, one core, or anything wrong in it)."""
    event_low, head, tree_low, tree_head = _bounds(store)
    # Both tables must span 1…head; a gap inside is found by the range that holds it.
    if workers < 2 or not (event_low == tree_low == 1 and head == tree_head):
        return None
    level = _alignment(head, workers)
    starts = _boundaries(head, workers, level)
    if len(starts) < 2:
        return None
    ends = [start - 1 for start in starts[1:]] + [head]
    url = store.engine.url.render_as_string(hide_password=False)
    pool = ProcessPoolExecutor(
        len(starts) - 1,
        mp_context=_start_method(),
        # A spawned walker starts with the defaults: hand it this process's choice.
        initializer=compiled_paths.choose,
        initargs=(compiled_paths.chosen(),),
    )
    with pool:
        futures = [
            pool.submit(walk_range, url, first, last, list(checkpoints), chunk_rows, level)
            for first, last in zip(starts[1:], ends[1:], strict=True)
        ]
        # This process walks the first range meanwhile.
        results = [walk_range(url, starts[0], ends[0], checkpoints, chunk_rows, level)]
        results += [future.result() for future in futures]
    if not _joined(results, starts, ends, level):
        return None
    walker = ChainWalker(store.url, checkpoints, stored_root)
    walker.adopt([r.state for r in results])
    report = walker.finish()
    return report if report.ok else None


def _joined(results: list[RangeResult], starts: list[int], ends: list[int], level: int) -> bool:
    upper = UpperTreeCheck(level)
    previous: RangeResult | None = None
    for result, first, last in zip(results, starts, ends, strict=True):
        state = result.state
        size = last - first + 1
        if state.broken or result.tree_problem or state.count != size:
            return False
        if result.tree_rows != size or state.expected != last + 1:
            return False
        if previous is not None and state.first_prev != previous.state.last:
            return False
        upper.feed(result.upper)
        previous = result
    return not upper.problem
