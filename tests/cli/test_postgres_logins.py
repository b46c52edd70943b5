"""P14 on PostgreSQL: each person works through their own database login, the database
itself stamps that login on every audit event, and a login can do only what the
application needs. The hostile steps use psycopg directly, never our code.
"""

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from leadreview.audit.canonical import GENESIS_DIGEST, envelope, format_time
from leadreview.domain.decision import DecisionKind
from leadreview.domain.roles import Actor, Role
from leadreview.store.store import Store, open_store
from tests.support.postgres_logins import as_login, cli, grant, isolate, libpq

pytestmark = pytest.mark.postgres


def _head(connection: psycopg.Connection[tuple[object, ...]]) -> tuple[int, str]:
    row = connection.execute("SELECT seq, digest FROM audit_event ORDER BY seq DESC").fetchone()
    return (0, GENESIS_DIGEST) if row is None else (int(str(row[0])), str(row[1]))


def _forge(connection: psycopg.Connection[tuple[object, ...]], *, actor: str, role: str,
           login: str, version: int = 2) -> int:  # fmt: skip
    """INSERT a chain-valid event computed as if `login` had stored it."""
    connection.execute("SELECT id FROM audit_head WHERE id = 1 FOR UPDATE")
    seq, prev = _head(connection)
    seq += 1
    time = format_time(datetime.now(UTC))
    payload = json.dumps({"decision": "possible-lead", "lead_id": 1}, separators=(",", ":"))
    sealed = envelope(seq, time, actor, role, "lead.decided", payload, prev, version,
                      "postgres-login", login)  # fmt: skip
    digest = hashlib.sha256(sealed.encode()).hexdigest()
    connection.execute(
        "INSERT INTO audit_event (seq, time, actor, role, event_type, payload, prev_digest,"
        " digest, format, auth, login) VALUES (%s, %s, %s, %s, 'lead.decided', %s, %s, %s, %s,"
        " 'postgres-login', %s)",
        (seq, time, actor, role, payload, prev, digest, version, login),
    )
    return seq


def test_a_reviewer_login_cannot_write_in_another_name_or_change_rows(
    owner_store: Store,
    postgres_url: str,
    make_login: Callable[[str], str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    isolate(monkeypatch, tmp_path)
    reviewer = make_login("rev")
    grant(capsys, monkeypatch, postgres_url, reviewer, "reviewer")

    with psycopg.connect(libpq(postgres_url, reviewer)) as connection:
        # In the sheriff's name, sealed as if the sheriff's login had stored it: the row
        # gets the reviewer's login, so the digest no longer holds.
        forged = _forge(connection, actor="sheriff", role="reviewer", login="sheriff")
        connection.commit()
        stored = connection.execute(
            "SELECT actor, login FROM audit_event WHERE seq = %s", (forged,)
        ).fetchone()
        assert stored == ("sheriff", reviewer)
        connection.rollback()

        refused = {
            "a role the login was not granted": lambda: _forge(
                connection, actor=reviewer, role="supervisor", login=reviewer
            ),
            "a format 1 event, which seals no login": lambda: _forge(
                connection, actor=reviewer, role="reviewer", login=reviewer, version=1
            ),
        }
        for statement in (
            "UPDATE audit_event SET actor = 'mallory'",
            "DELETE FROM audit_event",
            "TRUNCATE audit_event",
            "ALTER TABLE audit_event DISABLE TRIGGER USER",
            "ALTER TABLE audit_event DISABLE TRIGGER audit_event_stamp_login",
            "UPDATE lead SET similarity = 12.5",
            "UPDATE lead SET rank = 1",
            "DELETE FROM lead",
            "DELETE FROM decision",
            "UPDATE decision SET kind = 'possible-lead'",
            "UPDATE review_case SET offense = 'nothing'",
            "UPDATE policy_verdict SET verdict = 'shown'",
            "DELETE FROM exercise_case",
            "UPDATE exercise_case SET mated = true",
            "DROP TABLE lead",
            "SET SESSION AUTHORIZATION postgres",
        ):
            refused[statement] = lambda s=statement: connection.execute(s)  # type: ignore[misc]
        for name, attempt in refused.items():
            with pytest.raises(psycopg.Error):
                attempt()
                pytest.fail(f"not refused: {name}")
            connection.rollback()

    verified = cli(capsys, monkeypatch, postgres_url, "audit", "verify")
    assert verified.code == 1
    assert f"seq {forged}: digest mismatch" in verified.out


def test_the_application_runs_its_whole_flow_as_logins_never_the_owner(
    owner_store: Store,
    postgres_url: str,
    make_login: Callable[[str], str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    isolate(monkeypatch, tmp_path)
    investigator, reviewer, auditor = (make_login(p) for p in ("inv", "rev", "aud"))
    for login, role in ((investigator, "investigator"), (reviewer, "reviewer"),
                        (auditor, "auditor")):  # fmt: skip
        grant(capsys, monkeypatch, postgres_url, login, role)

    image = tmp_path / "still.png"
    rendered = cli(capsys, monkeypatch, as_login(postgres_url, investigator),
                    "probe", "render", "--probe", "3", "--output", str(image))  # fmt: skip
    assert rendered.code == 0, rendered.err
    opened = cli(capsys, monkeypatch, as_login(postgres_url, investigator),
                  "case", "open", "--image", str(image), "--offense", "theft",
                  "--role", "investigator")  # fmt: skip
    assert opened.code == 0, opened.err

    # The reviewer decides through the workflow service, connected as their own login.
    from leadreview.audit.log import AuditLog
    from leadreview.policy.loader import load_bundled_policies
    from leadreview.workflow.context import WorkflowContext
    from leadreview.workflow.policy_set import PolicySet
    from leadreview.workflow.service import ReviewWorkflow

    store = open_store(url=as_login(postgres_url, reviewer))
    try:
        policies = load_bundled_policies()
        workflow = ReviewWorkflow(
            ctx=WorkflowContext(store=store, audit=AuditLog()),
            policies=PolicySet.of(policies, "wcso-practice"),
        )
        me = Actor(name=reviewer, role=Role.REVIEWER)
        lead = workflow.case(1, me).leads[0]
        workflow.decide(me, lead.lead_id, DecisionKind.POSSIBLE_LEAD, "same scar and ears")
    finally:
        store.dispose()
    enforced = cli(capsys, monkeypatch, as_login(postgres_url, investigator),
                   "case", "enforce", str(lead.lead_id), "--kind", "arrest",
                   "--evidence", "fingerprint=a print on the shelf matches")  # fmt: skip
    assert enforced.code == 0, enforced.err
    assert "granted" in enforced.out

    verified = cli(capsys, monkeypatch, as_login(postgres_url, auditor),
                    "audit", "verify")  # fmt: skip
    assert verified.code == 0, verified.out + verified.err

    with psycopg.connect(libpq(postgres_url)) as connection:
        stamped = connection.execute(
            "SELECT event_type, actor, role, auth, login FROM audit_event"
            " WHERE event_type IN ('case.opened', 'search.recorded', 'lead.decided',"
            " 'enforcement.granted')"
            " ORDER BY seq"
        ).fetchall()
    assert stamped == [
        ("case.opened", investigator, "investigator", "postgres-login", investigator),
        ("search.recorded", investigator, "investigator", "postgres-login", investigator),
        ("lead.decided", reviewer, "reviewer", "postgres-login", reviewer),
        ("enforcement.granted", investigator, "investigator", "postgres-login", investigator),
    ]
