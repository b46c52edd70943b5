"""Who did it is proven: grants on SQLite, join codes, and authority on every path,
tried as a hostile participant would (through the services with explicit principals,
and through the real CLI as the OS user)."""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from leadreview.audit.log import AuditLog, os_login
from leadreview.domain.roles import Actor, Role
from leadreview.errors import PermissionRefused
from leadreview.exercise.invites import JoinRefused
from leadreview.exercise.service import ExerciseService
from leadreview.store.store import Store
from leadreview.store.tables.exercise import EXERCISE_TABLES
from leadreview.store.tables.principals import ExerciseInviteRow, RoleGrantRow
from leadreview.store.tables.workflow import WORKFLOW_TABLES
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.sql import table_of
from tests.support.cli import run
from tests.support.exercise import (
    FACILITATOR,
    events,
    service,
    small_world,
    table_rows,
    write_scenario,
)

ANA = Actor(name="ana", role=Role.REVIEWER)
GUS = Actor(name="gus", role=Role.FACILITATOR)  # a facilitator, but not of this exercise


def test_the_migration_creates_exactly_the_declared_principal_tables(store: Store) -> None:
    declared = MetaData()
    for model in (RoleGrantRow, ExerciseInviteRow):
        table_of(model).to_metadata(declared)
    names = set(declared.tables)
    for model in (*WORKFLOW_TABLES, *EXERCISE_TABLES):
        table_of(model).to_metadata(declared)
    with store.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_name": lambda name, kind, _parent: kind != "table" or name in names,
                "include_object": lambda obj, _name, _kind, _reflected, _other: (
                    getattr(obj, "name", None) in names
                    or getattr(getattr(obj, "table", None), "name", None) in names
                ),
            },
        )
        assert compare_metadata(context, declared) == []


def _started(store: Store, tmp_path: Path) -> tuple[ExerciseService, int]:
    svc = service(store)
    exercise_id = svc.start(FACILITATOR, small_world(tmp_path / "scenario")).exercise_id
    return svc, exercise_id


# --- join codes ------------------------------------------------------------------------


def test_a_join_code_is_shown_once_stored_hashed_and_signs_in_once(
    store: Store, tmp_path: Path
) -> None:
    svc, exercise_id = _started(store, tmp_path)
    invite = svc.invite(FACILITATOR, exercise_id, "ana", Role.REVIEWER, timedelta(hours=2))
    assert len(invite.code.replace("-", "")) == 32  # 128 random bits
    (row,) = table_rows(store, "exercise_invite")
    assert invite.code.replace("-", "") not in str(row)  # only the digest is kept
    assert all(invite.code not in e.payload_json for e in events(store))

    assert svc.redeem_join_code(invite.code.upper()) == (exercise_id, ANA)
    (used,) = events(store, "exercise.invite_used")
    assert (used.actor, used.role, used.auth) == ("ana", "reviewer", "join-code")

    with pytest.raises(JoinRefused, match="already used"):
        svc.redeem_join_code(invite.code)
    with pytest.raises(JoinRefused, match="no such join code"):
        svc.redeem_join_code("0" * 32)
    refused = events(store, "exercise.invite_refused")
    assert [e.payload["reason"] for e in refused] == [
        "this join code was already used",
        "no such join code",
    ]
    assert {(e.actor, e.auth) for e in refused} == {("unauthenticated", "join-code")}


@pytest.mark.parametrize(
    ("expires", "problem"),
    [
        ("8d", "from 1m to 7d"),
        ("0.5m", "from 1m to 7d"),
        ("30s", "e.g."),
        ("nanh", "from 1m to 7d"),
        ("2", "e.g."),
    ],
)
def test_a_bad_expiry_is_one_line_before_anything_is_issued(
    isolated_home: Path, capsys: pytest.CaptureFixture[str], expires: str, problem: str
) -> None:
    # The parser the console's invite dialog shares (`invites.expiry_from_text`).
    refused = run(capsys, "exercise", "invite", "ana", "--expires", expires)
    assert refused.code == 2
    (line,) = refused.err.strip().splitlines()
    assert f"--expires {expires!r}" in line and problem in line


def test_a_revoked_or_expired_code_signs_nobody_in(store: Store, tmp_path: Path) -> None:
    svc, exercise_id = _started(store, tmp_path)
    revoked = svc.invite(FACILITATOR, exercise_id, "ana", Role.REVIEWER, None)
    assert svc.revoke_invite(FACILITATOR, exercise_id, revoked.invite_id)
    assert not svc.revoke_invite(FACILITATOR, exercise_id, revoked.invite_id)
    with pytest.raises(JoinRefused, match="revoked"):
        svc.redeem_join_code(revoked.code)
    assert len(events(store, "exercise.invite_revoked")) == 1

    soon = svc.invite(FACILITATOR, exercise_id, "bo", Role.REVIEWER, timedelta(minutes=5))
    later = datetime.now(UTC) + timedelta(minutes=6)
    late = ExerciseService(WorkflowContext(store=store, audit=AuditLog(), clock=lambda: later))
    with pytest.raises(JoinRefused, match="expired"):
        late.redeem_join_code(soon.code)


def test_only_the_exercise_s_own_facilitator_issues_and_revokes_codes(
    store: Store, tmp_path: Path
) -> None:
    svc, exercise_id = _started(store, tmp_path)
    for who in (GUS, ANA):
        with pytest.raises(PermissionRefused):
            svc.invite(who, exercise_id, "mallory", Role.SUPERVISOR, None)
    issued = svc.invite(FACILITATOR, exercise_id, "ana", Role.REVIEWER, None)
    with pytest.raises(PermissionRefused):
        svc.revoke_invite(GUS, exercise_id, issued.invite_id)
    refused = events(store, "permission.refused")
    assert [e.actor for e in refused] == ["gus", "ana", "gus"]
    assert table_rows(store, "exercise_invite", name="mallory") == []


# --- authority on every path -----------------------------------------------------------


def test_another_facilitator_cannot_run_someone_else_s_exercise(
    store: Store, tmp_path: Path
) -> None:
    svc, exercise_id = _started(store, tmp_path)
    svc.join(ANA, exercise_id)
    attempts = {
        "exercise-assign": lambda: svc.assign(GUS, exercise_id),
        "exercise-inject": lambda: svc.release_inject(GUS, exercise_id, "pressure"),
        "exercise-reveal": lambda: svc.reveal(GUS, exercise_id),
        "exercise-close": lambda: svc.close(GUS, exercise_id),
        "exercise-status": lambda: svc.progress(GUS, exercise_id),
    }
    for attempt in attempts.values():
        with pytest.raises(PermissionRefused, match="facilitator 'fran'"):
            attempt()
    refused = events(store, "permission.refused")
    assert [(e.actor, e.payload["action"]) for e in refused] == [
        ("gus", action) for action in attempts
    ]
    assert events(store, "exercise.revealed") == [] and events(store, "exercise.closed") == []


def test_the_clock_releases_scheduled_injects_not_whoever_looked(
    store: Store, tmp_path: Path
) -> None:
    svc, exercise_id = _started(store, tmp_path)
    later = datetime.now(UTC) + timedelta(hours=3)
    looking = ExerciseService(WorkflowContext(store=store, audit=AuditLog(), clock=lambda: later))
    looking.progress(FACILITATOR, exercise_id)
    released = events(store, "exercise.inject_released")
    assert released, "the small scenario has a timed inject"
    assert {(e.actor, e.role, e.auth) for e in released} == {
        (f"exercise-{exercise_id}-clock", "facilitator", "system-clock")
    }
    # The clock of one exercise releases nothing of another's, and nothing else.
    clock = Actor(name=f"exercise-{exercise_id}-clock", role=Role.FACILITATOR)
    with pytest.raises(PermissionRefused):
        svc.reveal(clock, exercise_id)


# --- the real CLI, as the OS user ----------------------------------------------------------


def test_an_investigator_cannot_set_the_policy_in_force(
    db: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = tmp_path / "still.png"
    assert run(capsys, "probe", "render", "--probe", "3", "--output", str(image)).code == 0
    evil = tmp_path / "evil.yaml"
    evil.write_text(
        Path(__file__)
        .parents[2]
        .joinpath("policies", "wcso-practice.yaml")
        .read_text()
        .replace("wcso-practice", "evil", 1),
        encoding="utf-8",
    )
    refused = run(
        capsys, "case", "open", "--image", str(image), "--offense", "theft",
        "--role", "investigator", "--policy", str(evil), "--in-force", "evil",
    )  # fmt: skip
    assert refused.code == 3
    assert "may not change-policy" in refused.one_error_line()
    (event,) = events(db, "permission.refused")
    # The real principal: the OS user on SQLite, the database login on PostgreSQL.
    how = "os-user" if db.dialect == "sqlite" else "postgres-login"
    who = os_login() if db.dialect == "sqlite" else event.login
    assert (event.actor, event.role, event.auth) == (who, "investigator", how)
    assert event.payload["subject"]["in_force"] == "evil"
    assert events(db, "case.opened") == []

    allowed = run(
        capsys, "case", "open", "--image", str(image), "--offense", "theft",
        "--role", "supervisor", "--policy", str(evil), "--in-force", "evil",
    )  # fmt: skip
    assert allowed.code == 0, allowed.err


@pytest.mark.skipif(os.geteuid() != 0, reason="changes the database file's owner (root only)")
def test_on_sqlite_the_file_s_owner_grants_roles_and_others_act_only_in_theirs(
    db: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    if db.dialect != "sqlite":
        pytest.skip("PostgreSQL's grants are its own roles: tests/test_postgres_logins.py")
    me = os_login()
    granted = run(capsys, "db", "grant", me, "auditor")
    assert granted.code == 0, granted.err
    assert run(capsys, "db", "grant", "ana", "reviewer").code == 0
    assert run(capsys, "db", "revoke", "ana", "reviewer").code == 0
    changes = events(db, "db.role_granted") + events(db, "db.role_revoked")
    assert [(e.actor, e.role, e.payload["login"]) for e in changes] == [
        (me, "owner", me),
        (me, "owner", "ana"),
        (me, "owner", "ana"),
    ]
    assert [(r["login"], r["role"]) for r in table_rows(db, "role_grant")] == [(me, "auditor")]

    # Hand the database to another user: now this one acts only in what was granted.
    path = db.engine.url.database
    assert path is not None
    owner = os.stat(path).st_uid
    os.chown(path, 65534, -1)
    try:
        assert run(capsys, "audit", "show", "--role", "auditor").code == 0
        refused = run(capsys, "case", "list", "--role", "supervisor")
        assert refused.code == 3
        assert "does not hold the role 'supervisor'" in refused.one_error_line()
        denied = run(capsys, "db", "grant", me, "supervisor")
        assert denied.code == 3 and "does not own the database" in denied.one_error_line()
    finally:
        os.chown(path, owner, -1)
    refusals = events(db, "permission.refused")
    assert [(e.actor, e.payload["action"]) for e in refusals] == [
        (me, "act-in-role"),
        (me, "db-grant"),
    ]


def test_no_invite_carries_a_name_the_system_acts_under(
    db: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The demo's facilitator may be followed by any facilitator, an exercise's clock
    # releases its injects: a participant invited under either name would inherit that.
    scenario = str(write_scenario(tmp_path / "scenario", cases=1))
    started = run(capsys, "exercise", "start", scenario)
    assert started.code == 0, started.err
    for name in ("demo facilitator", "Demo  Facilitator", "exercise-1-clock"):
        refused = run(capsys, "exercise", "invite", name, "--role", "reviewer")
        assert refused.code == 2
        assert "a name the system acts under" in refused.one_error_line()
    assert table_rows(db, "exercise_invite") == []
