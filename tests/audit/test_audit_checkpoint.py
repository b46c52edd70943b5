"""P5 and P6: signed checkpoints (C2SP signed-note / tlog-checkpoint) catch truncation
and tail rewrites; signatures follow the published format."""

import base64
from pathlib import Path

import pytest

from leadreview.audit import AuditLog, NewEvent
from leadreview.audit.checkpoint import Checkpoint, CheckpointError, open_checkpoint
from leadreview.audit.checkpoint_store import CheckpointRollbackError
from leadreview.audit.note import (
    BadSignatureError,
    NoKnownSignatureError,
    Signer,
    Verifier,
    open_note,
    sign_note,
)
from leadreview.audit.service import AuditContext, make_checkpoint, verify_with_context
from leadreview.audit.verdict import BreakKind
from leadreview.store import Store
from tests.support.audit import append_events, behind_the_guards, truncate_log

# Known-answer vectors published with golang.org/x/mod/sumdb/note, note_test.go
# (https://github.com/golang/mod/blob/master/sumdb/note/note_test.go: TestNewSigner,
# TestSign, TestVerifierList, TestOpen). Ed25519 signatures are deterministic, so signing
# the same text with the same key must reproduce the published signature byte for byte.
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdng"
    "otpRZb6KE6RyyBwJnAM=\n"
)
GO_ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
GO_ENOCH_SIG = (
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWL"
    "ox33WWd1RvMc+QQ=\n"
)


def test_known_answer_signed_note_vector() -> None:
    signer = Signer.parse(GO_SKEY)
    assert signer.text() == GO_SKEY
    assert signer.verifier().text() == GO_VKEY
    assert Verifier.parse(GO_VKEY) == signer.verifier()
    assert sign_note(GO_TEXT, signer) == GO_TEXT + "\n" + GO_PETER_SIG


def test_published_note_opens_and_unknown_keys_are_ignored() -> None:
    peter, enoch = Verifier.parse(GO_VKEY), Verifier.parse(GO_ENOCH_VKEY)
    note = open_note(GO_TEXT + "\n" + GO_PETER_SIG + GO_ENOCH_SIG, [peter])
    assert note.text == GO_TEXT
    assert [s.name for s in note.verified] == ["PeterNeumann"]
    assert [s.name for s in note.unverified] == ["EnochRoot"]  # unknown key: ignored
    both = open_note(GO_TEXT + "\n" + GO_PETER_SIG + GO_ENOCH_SIG, [peter, enoch])
    assert [s.name for s in both.verified] == ["PeterNeumann", "EnochRoot"]
    with pytest.raises(NoKnownSignatureError):
        open_note(GO_TEXT + "\n" + GO_ENOCH_SIG, [peter])


def test_a_bad_signature_by_a_known_key_rejects() -> None:
    peter = Verifier.parse(GO_VKEY)
    # As in Go's TestOpen: four characters spliced into the signature.
    bad = GO_PETER_SIG[:60] + "ABCD" + GO_PETER_SIG[60:]
    with pytest.raises(BadSignatureError, match="PeterNeumann\\+c74f20a3"):
        open_note(GO_TEXT + "\n" + bad, [peter])
    with pytest.raises(BadSignatureError):
        open_note(GO_TEXT.replace("answer", "ANSWER") + "\n" + GO_PETER_SIG, [peter])


def test_key_hash_is_the_c2sp_construction() -> None:
    import hashlib

    verifier = Verifier.parse(GO_VKEY)
    expected = hashlib.sha256(b"PeterNeumann\n\x01" + verifier.public_key).digest()[:4]
    assert verifier.key_hash == int.from_bytes(expected, "big") == 0xC74F20A3


def test_checkpoint_has_the_tlog_checkpoint_layout() -> None:
    signer = Signer.generate("example.com/log")
    root = "ab" * 32
    signed = Checkpoint("example.com/log", 40, root).sign(signer)
    lines = signed.split("\n")
    assert lines[0] == "example.com/log"
    assert lines[1] == "40"
    assert base64.b64decode(lines[2]) == bytes.fromhex(root)
    assert lines[3] == ""
    assert lines[4].startswith("— example.com/log ")
    opened = open_checkpoint(signed, [signer.verifier()], origin="example.com/log")
    assert opened == Checkpoint("example.com/log", 40, root)
    with pytest.raises(CheckpointError, match="origin"):
        open_checkpoint(signed, [signer.verifier()], origin="other.example/log")


def _checkpoint_file(store: Store, context: AuditContext, tmp_path: Path) -> Path:
    stored = make_checkpoint(store, context)
    path = tmp_path / f"held-by-auditor-{stored.checkpoint.size}.txt"
    path.write_text(stored.signed)
    return path


def test_truncation_below_a_checkpoint_is_not_an_extension(
    store: Store, audit_context: AuditContext, tmp_path: Path
) -> None:
    append_events(store, 40, batch=40)
    held = _checkpoint_file(store, audit_context, tmp_path)
    append_events(store, 10, batch=10)
    assert verify_with_context(store, audit_context, [held]).ok

    with behind_the_guards(store) as connection:
        truncate_log(connection, 38)

    report = verify_with_context(store, audit_context, [held])
    assert not report.ok
    assert [(b.seq, b.kind) for b in report.breaks] == [(40, BreakKind.NOT_EXTENSION)]
    assert "truncated" in report.breaks[0].detail


def test_a_rewritten_tail_with_a_recomputed_chain_is_not_an_extension(
    store: Store, audit_context: AuditContext, tmp_path: Path
) -> None:
    append_events(store, 40, batch=40)
    held = _checkpoint_file(store, audit_context, tmp_path)
    append_events(store, 10, batch=10)
    with behind_the_guards(store) as connection:
        truncate_log(connection, 38)
    with store.transaction() as session:  # a perfectly valid chain, but a different one
        AuditLog().append_many(
            session, [NewEvent("mallory", "reviewer", "lead.decided", {"i": i}) for i in range(12)]
        )

    report = verify_with_context(store, audit_context, [held])
    assert not report.ok
    assert {(b.seq, b.kind) for b in report.breaks} == {(40, BreakKind.NOT_EXTENSION)}
    assert "rewritten" in report.breaks[0].detail


def test_a_checkpoint_smaller_than_one_seen_is_rejected(
    store: Store, audit_context: AuditContext
) -> None:
    append_events(store, 40, batch=40)
    make_checkpoint(store, audit_context)
    with behind_the_guards(store) as connection:
        truncate_log(connection, 38)
    with pytest.raises(
        CheckpointRollbackError, match="fewer than the 40 already signed: the log was truncated"
    ):
        make_checkpoint(store, audit_context)
    # Only the honest checkpoint is kept.
    assert [
        s.checkpoint.size
        for s in audit_context.checkpoint_store(audit_context.log_origin(store)).all()
    ] == [40]


def test_a_checkpoint_signed_by_an_unknown_key_does_not_count(
    store: Store, audit_context: AuditContext, tmp_path: Path
) -> None:
    append_events(store, 3, batch=3)
    audit_context.signer()  # our key exists
    forged = tmp_path / "forged.txt"
    forged.write_text(Checkpoint(audit_context.origin, 3, "00" * 32).sign(Signer.generate("x")))
    report = verify_with_context(store, audit_context, [forged])
    assert [b.kind for b in report.breaks] == [BreakKind.BAD_CHECKPOINT]
    assert "no verifiable signatures" in report.breaks[0].detail
