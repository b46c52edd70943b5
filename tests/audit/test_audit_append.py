"""The append API: who did it is always known (P10, schema side), and the sealed fields."""

import hashlib
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from leadreview.audit import AuditLog, EncodingRefusedError, NewEvent
from leadreview.audit.canonical import (
    GENESIS_DIGEST,
    canonical_payload,
    entry_bytes,
    envelope,
    row_entries,
)
from leadreview.audit.log import os_login
from leadreview.store import Store

FIXED = datetime(2025, 3, 4, 5, 6, 7, 89, tzinfo=UTC)


def test_format_1_envelopes_keep_their_seven_fields() -> None:
    """Events sealed before format 2 still verify: their envelope is unchanged."""
    assert envelope(1, "2025-03-04T05:06:07.000089Z", "alice", "reviewer", "t", "{}", "0" * 64) == (
        '{"actor":"alice","event_type":"t","payload":{},'
        f'"prev_digest":"{"0" * 64}","role":"reviewer","seq":1,'
        '"time":"2025-03-04T05:06:07.000089Z"}'
    )


def test_the_verifiers_batch_envelopes_equal_entry_bytes() -> None:
    """canonical.row_entries (the verifier's inlined copy) builds, for rows of either
    format, exactly the bytes entry_bytes does: the digest and the leaf cover them."""
    time = "2025-03-04T05:06:07.000089Z"
    rows = [
        (1, time, "alice", "reviewer", "t", '{"a":"é"}', "0" * 64, "d1", 1, "", ""),
        (2, time, "bob", "auditor", "u", '{"s":"\\ud800"}', "a" * 64, "d2", 2, "os-user", "b"),
        (3, time, "carol", "facilitator", "v", "{}", "b" * 64, "d3", 2, "join-code", "c"),
    ]

    assert row_entries(rows) == [entry_bytes(row) for row in rows]
    assert row_entries(rows)[1].endswith(b',"v":2}')


def test_append_seals_every_field(store: Store) -> None:
    log = AuditLog(clock=lambda: FIXED)
    with store.transaction() as session:
        first = log.append(
            session,
            actor="alice",
            role="reviewer",
            event_type="lead.decided",
            payload={"z": 1, "a": "é", "n": [1.5, None]},
        )
        second, third = log.append_many(
            session, [NewEvent("bob", "auditor", "audit.viewed"), NewEvent("bob", "auditor", "x")]
        )
    assert (first.seq, second.seq, third.seq) == (1, 2, 3)
    assert first.time_text == "2025-03-04T05:06:07.000089Z"
    assert first.payload_json == '{"a":"é","n":[1.5,null],"z":1}'
    assert first.payload == {"a": "é", "n": [1.5, None], "z": 1}
    assert first.prev_digest == GENESIS_DIGEST and second.prev_digest == first.digest
    # Format 2: who stored it (the OS user on SQLite, the database's session_user on
    # PostgreSQL) and how the actor was authenticated are sealed too.
    auth, login = (
        ("postgres-login", "postgres") if store.dialect == "postgresql" else ("os-user", os_login())
    )
    assert (first.format, first.auth, first.login) == (2, auth, login)
    expected = (
        f'{{"actor":"alice","auth":"{auth}","event_type":"lead.decided","login":"{login}",'
        '"payload":{"a":"é","n":[1.5,null],"z":1},'
        f'"prev_digest":"{GENESIS_DIGEST}","role":"reviewer","seq":1,'
        '"time":"2025-03-04T05:06:07.000089Z","v":2}'
    )
    assert (
        envelope(
            1,
            first.time_text,
            "alice",
            "reviewer",
            "lead.decided",
            first.payload_json,
            GENESIS_DIGEST,
            2,
            auth,
            login,
        )
        == expected
    )
    assert first.digest == hashlib.sha256(expected.encode()).hexdigest()
    assert json.loads(expected)["payload"] == first.payload  # the envelope is plain JSON
    with store.reading() as session:
        assert AuditLog.events(session) == [first, second, third]
        assert AuditLog.events(session, actor="bob", since_seq=3) == [third]
        assert AuditLog.events(session, event_type="audit.viewed") == [second]


@pytest.mark.parametrize(
    ("actor", "role", "event_type"),
    [
        ("", "reviewer", "t"),
        ("alice", "", "t"),
        ("alice", "r", ""),
        ("   ", "r", "t"),
        ('al"ice', "r", "t"),
        ("alice", "r\\", "t"),
        ("alice", "r", "t\n"),
    ],
)
def test_append_refuses_missing_or_malformed_labels(
    store: Store, actor: str, role: str, event_type: str
) -> None:
    with pytest.raises(EncodingRefusedError), store.transaction() as session:
        AuditLog().append(session, actor=actor, role=role, event_type=event_type)
    with store.reading() as session:
        assert AuditLog.events(session) == []


def test_payload_must_be_a_json_object() -> None:
    for bad in ([1, 2], "text", {"x": float("nan")}, {"x": object()}):
        with pytest.raises(EncodingRefusedError):
            canonical_payload(bad)


def test_schema_refuses_an_event_without_actor_or_role(store: Store) -> None:
    """Even a writer that bypasses AuditLog cannot leave the actor or role empty."""
    for actor, role in (("", "r"), ("a", ""), (None, "r"), ("a", None)):
        with pytest.raises(IntegrityError), store.transaction() as session:
            session.execute(
                text(
                    "INSERT INTO audit_event (seq, time, actor, role, event_type, payload, "
                    "prev_digest, digest) VALUES (1, :time, :actor, :role, 't', '{}', :prev, "
                    ":digest)"
                ),
                {
                    "time": "2025-03-04T05:06:07.000089Z",
                    "actor": actor,
                    "role": role,
                    "prev": GENESIS_DIGEST,
                    "digest": "a" * 64,
                },
            )
