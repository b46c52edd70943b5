"""Verification, checkpoints and the signing key: what the CLI and the terminal app call.

The functions take what they need (a store, a key path, a directory) rather than reading
settings; the composition root builds the `AuditContext` (`Application.audit_context`).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from leadreview.audit.canonical import entry_bytes
from leadreview.audit.checkpoint import Checkpoint, CheckpointError, open_checkpoint
from leadreview.audit.checkpoint_store import (
    CheckpointRollbackError,
    CheckpointStore,
    StoredCheckpoint,
)
from leadreview.audit.export import ExportFormat, ExportSummary, export_log
from leadreview.audit.keys import load_or_create_signer, load_signer
from leadreview.audit.log import AuditLog
from leadreview.audit.merkle import ProofError, check_consistency, leaf_hash
from leadreview.audit.note import Signer, Verifier
from leadreview.audit.signed_state import SignedState, has_signed_anything
from leadreview.audit.stream import CHUNK_ROWS, stream_rows
from leadreview.audit.tree_store import StoredTree
from leadreview.audit.verdict import Break, BreakKind, VerifyReport
from leadreview.audit.verify import walk
from leadreview.errors import ConfigurationError
from leadreview.store.store import Store

if TYPE_CHECKING:
    from leadreview.audit.proofs import ConsistencyProof, InclusionProof

# A signed checkpoint is a few hundred bytes; a file far larger is not one.
MAX_CHECKPOINT_BYTES = 64 * 1024


@dataclass(frozen=True)
class AuditContext:
    """Where this installation keeps its signing key and the checkpoints it has seen."""

    key_path: Path
    checkpoint_dir: Path
    origin: str

    def signer(self) -> Signer:
        """The signing key, created (0600) on first use — but never silently replaced:
        once it has signed checkpoints, a missing key is an error."""
        if not self.key_path.exists() and has_signed_anything(self.key_path):
            raise ConfigurationError(
                f"signing key {self.key_path} is missing, but it has signed checkpoints "
                f"(see {self.key_path.name}.signed/); restore it — a new key would let the "
                "log's history start over unnoticed"
            )
        return load_or_create_signer(self.key_path, self.origin)[0]

    def log_origin(self, store: Store) -> str:
        """The checkpoint origin of the log in `store`: the configured prefix and the
        log's own id, so no two databases share an origin."""
        with store.reading() as session:
            return f"{self.origin}/{AuditLog.log_id(session)}"

    def known_verifiers(self, extra: Sequence[Verifier] = ()) -> list[Verifier]:
        verifiers = list(extra)
        if self.key_path.exists():
            verifiers.append(load_signer(self.key_path).verifier())
        return verifiers

    def checkpoint_store(self, origin: str, extra: Sequence[Verifier] = ()) -> CheckpointStore:
        """The copies of this log's checkpoints in the data folder, one folder per log."""
        return CheckpointStore(
            self.checkpoint_dir / quote(origin, safe=""), self.known_verifiers(extra), origin
        )


def make_checkpoint(store: Store, context: AuditContext) -> StoredCheckpoint:
    """Sign the tree's current root (C2SP tlog-checkpoint) and record it."""
    return sign_tree(store, context)


def sign_tree(
    store: Store, context: AuditContext, size: int | None = None, expected_root: str = ""
) -> StoredCheckpoint:
    """Sign the root of the first `size` events (default: all), and record it.

    Refuses (CheckpointRollbackError) to sign a tree that is not consistent with the last
    checkpoint this key signed for the log — checked with a consistency proof against the
    copy kept beside the key, not the data folder's — or whose events signed for the first
    time do not hash to their stored leaves, or (given `expected_root`, e.g. an export's
    recomputed root) whose stored root differs from it.
    """
    origin = context.log_origin(store)
    state = SignedState(context.key_path, origin)
    signer = context.signer()
    last = state.last(signer.verifier())
    with store.reading() as session:
        head, _ = AuditLog.head(session)
        size = head if size is None else size
        tree = StoredTree(session.connection())
        try:
            if tree.size() != head:
                raise ProofError(
                    f"the stored Merkle tree holds {tree.size()} events but the log {head}"
                )
            root = tree.root(size)
            if expected_root and root.hex() != expected_root:
                raise ProofError("the stored tree's root is not the root of the events read")
            if last is not None:
                if head < last.size:
                    raise ProofError(
                        f"the log holds {head} events, fewer than the {last.size} already "
                        "signed: the log was truncated"
                    )
                signed_root = bytes.fromhex(last.root_hex)
                if size >= last.size:
                    proof = tree.consistency(last.size, size)
                    check_consistency(last.size, size, signed_root, root, proof)
                else:  # an older prefix: what was signed must extend it
                    proof = tree.consistency(size, last.size)
                    check_consistency(size, last.size, root, signed_root, proof)
            _check_new_leaves(session, tree, 0 if last is None else last.size, size)
        except ProofError as exc:
            raise CheckpointRollbackError(
                f"refusing to sign {origin} at size {size}: {exc}"
            ) from None
    signed = Checkpoint(origin, size, root.hex()).sign(signer)
    if last is None or size > last.size:
        state.save(signed)
    return context.checkpoint_store(origin, [signer.verifier()]).add(signed)


def tree_signer(store: Store, context: AuditContext) -> Callable[[int, str], str]:
    """For exports: sign the tree of the first `size` events after checking that the
    stored tree has the root the exported events give."""

    def sign(size: int, root_hex: str) -> str:
        return sign_tree(store, context, size, root_hex).signed

    return sign


def own_checkpoints(store: Store, context: AuditContext) -> list[str]:
    """The signed checkpoints of this log (its origin) in the data folder: an export
    carries only these, never another database's."""
    signer = context.signer()
    return [
        s.signed
        for s in context.checkpoint_store(context.log_origin(store), [signer.verifier()]).all()
    ]


def _check_new_leaves(session: object, tree: StoredTree, after: int, size: int) -> None:
    """Events signed for the first time must hash to the leaves the tree holds for them."""
    from sqlalchemy import text

    from leadreview.audit.models import ROW_COLUMNS

    leaves = tree.leaves(after + 1, size)
    query = text(
        f"SELECT {', '.join(ROW_COLUMNS)} FROM audit_event "
        "WHERE seq > :after AND seq <= :size ORDER BY seq"
    )
    for row in session.execute(query, {"after": after, "size": size}):  # type: ignore[attr-defined]
        seq = row[0]
        if leaves.get(seq) != leaf_hash(entry_bytes(tuple(row))):
            raise ProofError(f"event {seq} does not hash to its leaf in the Merkle tree")


def export_with_context(
    store: Store,
    context: AuditContext,
    directory: Path,
    fmt: ExportFormat,
    cosign: Callable[[str], str] | None = None,
) -> ExportSummary:
    """The one export path, for `leadreview audit export` and the terminal app alike:
    the events, this log's checkpoints seen (so an outsider can check that the log only
    grew), and a fresh checkpoint signed over the exported tree (and, given `cosign`,
    cosigned by witnesses: see `cosigner`)."""
    sign = tree_signer(store, context)
    return export_log(
        store,
        directory,
        fmt,
        sign_tree=sign if cosign is None else lambda size, root: cosign(sign(size, root)),
        seen_checkpoints=own_checkpoints(store, context),
    )


def load_checkpoint_files(
    files: Sequence[Path], verifiers: Sequence[Verifier], origins: Sequence[str] | None = None
) -> tuple[list[Checkpoint], list[Break]]:
    """Open each file; a bad or unverifiable one, or one of another log (its origin not
    in `origins`), becomes a break, not an exception."""
    checkpoints: list[Checkpoint] = []
    breaks: list[Break] = []
    from leadreview.errors import InputFileError
    from leadreview.io.limits import read_limited

    for path in files:
        try:
            # Bounded, and never /dev/zero or a FIFO: a checkpoint is a few hundred bytes.
            signed = read_limited(path, "checkpoint", MAX_CHECKPOINT_BYTES).decode("utf-8")
            checkpoint = open_checkpoint(signed, verifiers)
            if origins is not None and checkpoint.origin not in origins:
                raise CheckpointError(
                    f"checkpoint origin {checkpoint.origin!r} is not this log's ({origins[0]!r})"
                )
            checkpoints.append(checkpoint)
        except InputFileError as exc:
            breaks.append(Break(0, BreakKind.BAD_CHECKPOINT, exc.message))
        except UnicodeDecodeError:
            breaks.append(Break(0, BreakKind.BAD_CHECKPOINT, f"{path}: not UTF-8 text"))
        except OSError as exc:
            breaks.append(Break(0, BreakKind.BAD_CHECKPOINT, f"{path}: {exc.strerror or exc}"))
        except CheckpointError as exc:
            breaks.append(Break(0, BreakKind.BAD_CHECKPOINT, f"{path}: {exc}"))
    return checkpoints, breaks


def newest_checkpoint_file(files: Sequence[Path]) -> tuple[str, str] | None:
    """The largest of `files` (named `checkpoint-<zero-padded size>.txt`) and its text,
    for the witness quorum; an unreadable one has empty text, which fails the count."""
    from leadreview.errors import InputFileError
    from leadreview.io.limits import read_limited

    if not files:
        return None
    newest = max(files, key=lambda path: path.name)
    try:
        text = read_limited(newest, "checkpoint", MAX_CHECKPOINT_BYTES).decode("utf-8")
    except (InputFileError, UnicodeDecodeError):
        text = ""
    return str(newest), text


def verify_store(
    store: Store,
    checkpoints: Sequence[Checkpoint] = (),
    chunk_rows: int | None = None,
    *,
    workers: int | None = None,
    parallel_from: int | None = None,
) -> VerifyReport:
    """The chain, and the stored Merkle tree checked row by row against the events'
    leaves; checkpoints are compared with the stored tree's roots.

    A log of at least `parallel_from` events is first walked in ranges on `workers`
    processes (default: every core; verify_parallel.py); anything found wrong there, and
    any smaller log, is walked sequentially, which names every break."""
    from leadreview.audit import verify_parallel as ranges

    workers = ranges.default_workers() if workers is None else workers
    threshold = ranges.PARALLEL_FROM if parallel_from is None else parallel_from
    with store.reading() as session:
        head = AuditLog.head_seq(session)
    if workers > 1 and head >= threshold:
        chunk = chunk_rows or CHUNK_ROWS
        found = ranges.verify_in_ranges(
            store, checkpoints, _stored_roots(store), workers=workers, chunk_rows=chunk
        )
        if found is not None:
            return found
    chunks = stream_rows(store, chunk_rows or CHUNK_ROWS, undecodable_as_bytes=True)
    report = walk(store.url, chunks, checkpoints, _stored_roots(store))
    _check_stored_tree(store, report)
    return report


def _stored_roots(store: Store) -> Callable[[int], bytes | None]:
    def root(size: int) -> bytes | None:
        try:
            with store.reading() as session:
                return StoredTree(session.connection()).root(size)
        except ProofError:
            return None  # rows missing: _check_stored_tree names the problem

    return root


def verify_with_context(
    store: Store,
    context: AuditContext,
    checkpoint_files: Sequence[Path] = (),
    extra_keys: Sequence[Verifier] = (),
) -> VerifyReport:
    """The chain, plus every checkpoint this installation has seen and any given."""
    verifiers = context.known_verifiers(extra_keys)
    origin = context.log_origin(store)
    # A checkpoint from before the log had an id names the bare prefix; it verifies as
    # what it was (the chain head), see ChainWalker._check_extension.
    origins = (origin, context.origin)
    checkpoints, breaks = load_checkpoint_files(checkpoint_files, verifiers, origins)
    own_folder = context.checkpoint_store(origin).directory
    seen, seen_breaks = load_checkpoint_files(_stored_files(own_folder), verifiers, origins)
    # What the key last signed for this log, kept beside it: the data folder's copies can
    # be deleted, this record cannot be without the key's owner noticing.
    state = SignedState(context.key_path, origin)
    remembered, unusable = state.remembered(verifiers)
    signed = [remembered] if remembered is not None else []
    # The same checkpoint may be both stored and given; check it once.
    report = verify_store(store, list(dict.fromkeys([*seen, *checkpoints, *signed])))
    report.breaks.extend(breaks + seen_breaks + ([unusable] if unusable else []))
    if remembered is not None:
        state.name_in(report, remembered)
    report.newest_checkpoint = newest_checkpoint_file(_stored_files(own_folder))
    return report


def _check_stored_tree(store: Store, report: VerifyReport) -> None:
    """Every row of audit_merkle must be what appending the events' leaves stores: the
    leaves those of the events (compared through one digest over all of them), each
    higher hash the parent of the two below it, one row per event, in order."""
    import hashlib

    from leadreview.audit.stream import stream_tree_rows
    from leadreview.audit.tree_check import RangeTreeCheck

    leaves = hashlib.sha256()
    check = RangeTreeCheck()
    for chunk in stream_tree_rows(store):
        leaves.update(check.feed(chunk))
        if check.problem:
            break
    problem = check.problem
    if not problem and check.count != report.events:
        problem = f"audit_merkle holds {check.count} events, the log {report.events}"
    if not problem and leaves.hexdigest() != report.leaves_sha256:
        problem = "audit_merkle's leaf hashes are not those of the events"
    if problem:
        report.breaks.append(
            Break(
                check.problem_seq if problem == check.problem else 0,
                BreakKind.TREE_MISMATCH,
                f"{problem}: the stored tree was altered",
            )
        )


def _stored_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("checkpoint-*.txt")) if directory.is_dir() else []


def prove_inclusion(
    store: Store, context: AuditContext, seq: int, size: int | None = None
) -> "InclusionProof":
    """Event `seq` is in the tree of `size` events (default: all); ProofError if not."""
    from sqlalchemy import text

    from leadreview.audit.proofs import InclusionProof

    origin = context.log_origin(store)
    with store.reading() as session:
        head, _ = AuditLog.head(session)
        size = head if size is None else size
        if not 1 <= seq <= size <= head:
            raise ProofError(f"event {seq} is not in a log of {size} events (head {head})")
        from leadreview.audit.models import ROW_COLUMNS

        row = session.execute(
            text(f"SELECT {', '.join(ROW_COLUMNS)} FROM audit_event WHERE seq = :seq"),
            {"seq": seq},
        ).first()
        if row is None:
            raise ProofError(f"event {seq} is missing from the log")
        entry = entry_bytes(tuple(row))
        hashes = StoredTree(session.connection()).inclusion(seq - 1, size)
    return InclusionProof(origin, size, seq - 1, entry, tuple(hashes))


def prove_consistency(
    store: Store, context: AuditContext, old: int, new: int
) -> "ConsistencyProof":
    from leadreview.audit.proofs import ConsistencyProof

    origin = context.log_origin(store)
    with store.reading() as session:
        head, _ = AuditLog.head(session)
        if not 0 <= old <= new <= head:
            raise ProofError(f"no consistency proof from {old} to {new} in a log of {head} events")
        hashes = StoredTree(session.connection()).consistency(old, new)
    return ConsistencyProof(origin, old, new, tuple(hashes))
