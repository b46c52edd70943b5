"""P5, P11, P12: the Merkle tree stored with the log, checkpoints over it, proofs, and the
hostile-operator findings of issue 12 — each ends in one line and the right verdict."""

import base64
import json
from pathlib import Path

import pytest

from leadreview.audit import AuditLog, NewEvent
from leadreview.audit.checkpoint import Checkpoint
from leadreview.audit.checkpoint_store import CheckpointRollbackError
from leadreview.audit.merkle import ProofError, leaf_hash
from leadreview.audit.proofs import parse_proof
from leadreview.audit.service import (
    AuditContext,
    make_checkpoint,
    prove_consistency,
    prove_inclusion,
    verify_with_context,
)
from leadreview.audit.verdict import BreakKind
from leadreview.errors import ConfigurationError
from leadreview.store import Store, open_store
from tests.support.audit import append_events, behind_the_guards, truncate_log


def _rewrite_from(store: Store, first: int, count: int) -> None:
    """Replace events first… with a valid chain and a recomputed tree: a thorough forger."""
    with behind_the_guards(store) as connection:
        truncate_log(connection, first - 1)
    with store.transaction() as session:
        AuditLog().append_many(
            session,
            [NewEvent("mallory", "reviewer", "lead.decided", {"i": i}) for i in range(count)],
        )


def test_the_stored_tree_has_the_root_of_the_events(
    store: Store, audit_context: AuditContext
) -> None:
    append_events(store, 37, batch=5)
    report = verify_with_context(store, audit_context)
    assert report.ok, report.lines()
    stored = make_checkpoint(store, audit_context)
    assert stored.checkpoint.size == 37
    assert stored.checkpoint.root_hex == report.root_hex
    assert stored.checkpoint.origin.startswith(f"{audit_context.origin}/")


def test_a_rewritten_tail_is_refused_even_with_the_checkpoint_copies_deleted(
    store: Store, audit_context: AuditContext
) -> None:
    append_events(store, 40, batch=40)
    stored = make_checkpoint(store, audit_context)
    append_events(store, 10)
    _rewrite_from(store, 39, 17)  # rewrite 39–50 and append 5: size 55
    for path in stored.path.parent.iterdir():
        path.unlink()
    with pytest.raises(CheckpointRollbackError, match="not an extension of the tree of size 40"):
        make_checkpoint(store, audit_context)


def test_a_truncated_log_is_refused_with_the_checkpoint_copies_deleted(
    store: Store, audit_context: AuditContext
) -> None:
    append_events(store, 40, batch=40)
    stored = make_checkpoint(store, audit_context)
    stored.path.unlink()
    with behind_the_guards(store) as connection:
        truncate_log(connection, 38)
    with pytest.raises(CheckpointRollbackError, match="truncated"):
        make_checkpoint(store, audit_context)


def test_events_rewritten_without_their_tree_are_refused_and_reported(
    store: Store, audit_context: AuditContext
) -> None:
    append_events(store, 20, batch=20)
    make_checkpoint(store, audit_context)
    append_events(store, 5)
    with behind_the_guards(store) as connection:
        connection.exec_driver_sql("UPDATE audit_event SET actor = 'mallory' WHERE seq = 23")
    with pytest.raises(CheckpointRollbackError, match="event 23 does not hash to its leaf"):
        make_checkpoint(store, audit_context)
    report = verify_with_context(store, audit_context)
    assert 23 in report.bad_seqs
    assert any(b.kind is BreakKind.TREE_MISMATCH for b in report.breaks)


@pytest.mark.parametrize(
    "attack",
    [
        "DELETE FROM audit_merkle WHERE seq = 4",
        "DELETE FROM audit_merkle WHERE seq = 9",
        "UPDATE audit_merkle SET hashes = (SELECT hashes FROM audit_merkle WHERE seq = 1) "
        "WHERE seq = 3",
        "UPDATE audit_merkle SET hashes = (SELECT hashes FROM audit_merkle WHERE seq = 2) "
        "WHERE seq = 4",
    ],
)
def test_a_tampered_tree_table_is_reported(
    store: Store, audit_context: AuditContext, attack: str
) -> None:
    append_events(store, 9, batch=9)
    with behind_the_guards(store) as connection:
        connection.exec_driver_sql(attack)
    report = verify_with_context(store, audit_context)
    assert [b.kind for b in report.breaks] == [BreakKind.TREE_MISMATCH]


def test_checkpoints_are_per_log_not_per_data_folder(
    sqlite_url: str, postgres_url: str, audit_context: AuditContext, tmp_path: Path
) -> None:
    from leadreview.audit.checkpoint import read_unverified
    from leadreview.audit.export import ExportFormat, export_log, verify_export
    from leadreview.audit.service import own_checkpoints, tree_signer

    sqlite_store, pg_store = open_store(url=sqlite_url), open_store(url=postgres_url)
    try:
        append_events(sqlite_store, 12)
        make_checkpoint(sqlite_store, audit_context)
        append_events(pg_store, 3)
        # Same settings, another database: its own origin, no false alarm.
        report = verify_with_context(pg_store, audit_context)
        assert report.ok, report.lines()
        assert make_checkpoint(pg_store, audit_context).checkpoint.size == 3
        assert audit_context.log_origin(pg_store) != audit_context.log_origin(sqlite_store)
        # An export of either log carries only that log's checkpoints, and verifies.
        out = tmp_path / "pg-export"
        export_log(
            pg_store,
            out,
            ExportFormat.JSONL,
            sign_tree=tree_signer(pg_store, audit_context),
            seen_checkpoints=own_checkpoints(pg_store, audit_context),
        )
        origins = {read_unverified(p.read_text()).origin for p in (out / "checkpoints").iterdir()}
        assert origins == {audit_context.log_origin(pg_store)}
        assert verify_export(out, [audit_context.signer().verifier()]).ok
    finally:
        sqlite_store.dispose()
        pg_store.dispose()


def test_a_checkpoint_of_another_origin_does_not_verify(
    store: Store, audit_context: AuditContext, tmp_path: Path
) -> None:
    append_events(store, 5)
    signed = make_checkpoint(store, audit_context).signed
    other = AuditContext(audit_context.key_path, tmp_path / "other", "other.example/x")
    report = verify_with_context(store, other)
    assert report.ok  # no checkpoint of its own yet
    held = tmp_path / "held.txt"
    held.write_text(signed)
    report = verify_with_context(store, other, [held])
    assert [b.kind for b in report.breaks] == [BreakKind.BAD_CHECKPOINT]
    assert "origin" in report.breaks[0].detail


def test_a_missing_key_after_signing_is_an_error_not_a_new_key(
    store: Store, audit_context: AuditContext
) -> None:
    append_events(store, 3)
    make_checkpoint(store, audit_context)
    audit_context.key_path.unlink()
    with pytest.raises(ConfigurationError, match="is missing, but it has signed checkpoints"):
        make_checkpoint(store, audit_context)
    assert not audit_context.key_path.exists()


def test_inclusion_and_consistency_proofs_from_the_database(
    store: Store, audit_context: AuditContext
) -> None:
    append_events(store, 13, batch=4)
    old = make_checkpoint(store, audit_context).checkpoint
    append_events(store, 8, batch=3)
    new = make_checkpoint(store, audit_context).checkpoint
    for seq in (1, 7, 13, 21):
        proof = prove_inclusion(store, audit_context, seq)
        parsed = parse_proof(proof.text().encode())
        parsed.check(new)  # type: ignore[call-arg]
        with store.reading() as session:
            event = AuditLog.events(session, since_seq=seq, limit=1)[0]
        assert json.loads(proof.entry)["seq"] == seq
        assert proof.entry.decode().count(event.digest) == 0  # the envelope, not the digest
    consistency = prove_consistency(store, audit_context, 13, 21)
    parse_proof(consistency.text().encode()).check(old, new)  # type: ignore[call-arg]
    with pytest.raises(ProofError):
        consistency.check(new, old)
    with pytest.raises(ProofError):
        prove_inclusion(store, audit_context, 22)
    forged = prove_inclusion(store, audit_context, 5)
    object.__setattr__(forged, "entry", forged.entry.replace(b"alice", b"bobby"))
    with pytest.raises(ProofError):
        forged.check(new)
    assert leaf_hash(prove_inclusion(store, audit_context, 5).entry) != leaf_hash(forged.entry)


def test_migration_backfills_an_existing_log(tmp_path: Path, audit_context: AuditContext) -> None:
    """A log written before the tree existed gets the same tree as one written with it."""
    from leadreview.audit.canonical import entry_bytes
    from leadreview.audit.merkle import CompactRange
    from leadreview.audit.stream import stream_rows
    from tests.cli.test_audit_formats import _old_log

    # Written as main wrote logs before the tree (schema 0003, format 1 events): going
    # down and up again through 0004_login_stamp would discard format 2's auth and login.
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _old_log(url, 25)
    store = open_store(url=url)  # upgrades to head, building the tree from the events
    tree = CompactRange()
    for chunk in stream_rows(store):
        for row in chunk:
            tree.push(leaf_hash(entry_bytes(row)))
    expected = tree.root().hex()
    report = verify_with_context(store, audit_context)
    assert report.ok, report.lines()
    assert report.root_hex == expected
    assert make_checkpoint(store, audit_context).checkpoint.root_hex == expected
    store.dispose()


def test_proof_file_garbage_is_one_line() -> None:
    for garbage in (b"", b"\xff\xfe", b"leadreview-proof inclusion\n", b"x" * 10, b"[" * 200_000):
        with pytest.raises(ProofError):
            parse_proof(garbage)
    good = (
        "leadreview-proof consistency\norigin o\nold 1\nnew 2\n"
        + base64.b64encode(b"\x00" * 32).decode()
    )
    with pytest.raises(ProofError, match="newline"):
        parse_proof(good.encode())
    with pytest.raises(ProofError, match="control"):
        parse_proof(good.replace("origin o", "origin \x1bo").encode() + b"\n")


def _tree_snapshot(store: Store) -> list[tuple[object, ...]]:
    with store.engine.connect() as connection:
        merkle = [
            tuple(r) for r in connection.exec_driver_sql("SELECT * FROM audit_merkle ORDER BY seq")
        ]
        identity = [
            tuple(r) for r in connection.exec_driver_sql("SELECT * FROM audit_log_identity")
        ]
    return merkle + identity


def test_the_tree_and_the_log_id_refuse_every_change(store: Store) -> None:
    from sqlalchemy.exc import DBAPIError

    append_events(store, 5)
    before = _tree_snapshot(store)
    attacks = [
        "UPDATE audit_merkle SET hashes = hashes || hashes WHERE seq = 2",
        "DELETE FROM audit_merkle WHERE seq = 5",
        "DELETE FROM audit_merkle",
        "UPDATE audit_log_identity SET log_id = 'another'",
        "DELETE FROM audit_log_identity",
        "INSERT INTO audit_merkle (seq, hashes) SELECT seq, hashes FROM audit_merkle WHERE seq = 1 "
        "ON CONFLICT (seq) DO UPDATE SET hashes = excluded.hashes",
    ]
    if store.dialect == "postgresql":
        attacks += ["TRUNCATE audit_merkle", "TRUNCATE audit_log_identity"]
    else:
        attacks += [
            "INSERT OR REPLACE INTO audit_merkle "
            "SELECT seq, hashes FROM audit_merkle WHERE seq = 1",
            "REPLACE INTO audit_log_identity VALUES (1, 'another')",
        ]
    for statement in attacks:
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as connection:
            connection.exec_driver_sql(statement)
        assert _tree_snapshot(store) == before, statement


@pytest.mark.postgres
def test_postgres_app_role_may_only_read_and_append_the_tree(postgres_url: str) -> None:
    store = open_store(url=postgres_url)
    try:
        append_events(store, 2)
        with store.engine.connect() as connection:

            def has(table: str, privilege: str) -> bool:
                return bool(
                    connection.exec_driver_sql(
                        f"SELECT has_table_privilege('leadreview_app', '{table}', '{privilege}')"
                    ).scalar()
                )

            assert [
                has("audit_merkle", p) for p in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")
            ] == [
                True,
                True,
                False,
                False,
                False,
            ]
            assert [
                has("audit_log_identity", p) for p in ("SELECT", "INSERT", "UPDATE", "DELETE")
            ] == [
                True,
                False,
                False,
                False,
            ]
        with store.transaction() as session:  # the role can still append, tree and all
            from sqlalchemy import text

            session.execute(text("SET LOCAL ROLE leadreview_app"))
            assert AuditLog().append(session, actor="app", role="service", event_type="t").seq == 3
        assert verify_with_context(
            store, AuditContext(Path("/nonexistent/k"), Path("/nonexistent"), "o")
        ).ok
    finally:
        store.dispose()


def test_a_checkpoint_from_before_the_tree_still_verifies_as_what_it_was(
    store: Store, audit_context: AuditContext, tmp_path: Path
) -> None:
    """Before 0004_merkle a checkpoint named the bare origin and carried event n's digest."""
    append_events(store, 12)
    with store.reading() as session:
        size, head = AuditLog.head(session)
    legacy = Checkpoint.of_head(audit_context.origin, size, head).sign(audit_context.signer())
    held = tmp_path / "legacy.txt"
    held.write_text(legacy)
    append_events(store, 3)
    assert verify_with_context(store, audit_context, [held]).ok
    with behind_the_guards(store) as connection:
        truncate_log(connection, 11)
    report = verify_with_context(store, audit_context, [held])
    assert (12, BreakKind.NOT_EXTENSION) in {(b.seq, b.kind) for b in report.breaks}


def test_one_event_appends_keep_the_tree_right_across_writers_and_rollbacks(
    store: Store, audit_context: AuditContext
) -> None:
    """A log keeps the tree's right edge from its last append (issue 17): it must never be
    used once the head moved — another writer appended, or the append rolled back."""
    ours, theirs = AuditLog(), AuditLog()

    def one(log: AuditLog, i: int) -> None:
        with store.transaction() as session:
            log.append(session, actor="alice", role="reviewer", event_type="x.y", payload={"i": i})

    for i in range(9):  # kept edges reused, sizes crossing several powers of two
        one(ours, i)
    one(theirs, 9)  # the head moved under `ours`
    one(ours, 10)
    with pytest.raises(RuntimeError), store.transaction() as session:
        ours.append(session, actor="alice", role="reviewer", event_type="x.y", payload={})
        raise RuntimeError("the decision failed after its event was sealed")
    for i in range(11, 20):
        one(ours, i)
    one(theirs, 20)
    report = verify_with_context(store, audit_context)
    assert report.ok, report.lines()
    assert report.events == 21
    assert make_checkpoint(store, audit_context).checkpoint.root_hex == report.root_hex
