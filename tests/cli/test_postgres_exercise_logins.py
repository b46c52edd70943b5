"""A whole tabletop exercise on PostgreSQL, each person through their own login and the
served room's sign-in through the login running it: nothing is done as the owner, every
event is stamped with the login that stored it, and join codes behave as on SQLite
(issuing, use, revocation and expiry are events; a used code is refused a second time).
"""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from leadreview.audit.log import AuditLog
from leadreview.domain.roles import Actor, Role
from leadreview.exercise.invites import JoinRefused
from leadreview.exercise.service import ExerciseService
from leadreview.settings import load_settings
from leadreview.store.store import Store, open_store
from leadreview.tui.factory import open_session
from leadreview.tui.screens.case_queue import CaseQueueScreen
from leadreview.tui.screens.sign_in import SignInScreen
from leadreview.workflow.context import WorkflowContext
from tests.support.exercise import write_scenario
from tests.support.postgres_logins import GrantedLogins, as_login, cli, grant, libpq, owner_rows
from tests.tui.conftest import SIZE, make_app, settle

pytestmark = pytest.mark.postgres

NOBODY_YET = Actor(name="unauthenticated", role=Role.REVIEWER)
_CODE = re.compile(r"join code \(shown only now\): (\S+)")
_INVITE = re.compile(r"invite (\d+):")


async def _sign_in(room_url: str, code: str) -> tuple[Actor, str]:
    """Sign in with `code` on the served app's screen, its store opened as the room's
    login: who the app then acts as, and the sign-in screen's error (or "")."""
    session = open_session(load_settings(), database_url=room_url, demo=False, seed_demo=False)
    try:
        app = make_app(session.gateway, NOBODY_YET, join_code=True)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert isinstance(app.screen, SignInScreen)
            await pilot.press(*code, "enter")
            await settle(app, pilot)
            if isinstance(app.screen, SignInScreen):
                return app.actor, str(app.screen.query_one("#sign-in-error").render())
            assert isinstance(app.screen, CaseQueueScreen)
            return app.actor, ""
    finally:
        session.store.dispose()


def test_an_exercise_runs_as_logins_with_join_codes_never_as_the_owner(
    logins: GrantedLogins, postgres_url: str, tmp_path: Path
) -> None:
    import asyncio

    facilitator, reviewer = logins.grant("facilitator"), logins.grant("reviewer")
    room, auditor = logins.grant("reviewer", "room"), logins.grant("auditor")
    (granted_up_to,) = owner_rows(postgres_url, "SELECT max(seq) FROM audit_event")[0]
    as_ = logins.ok

    as_(facilitator, "exercise", "start", str(write_scenario(tmp_path / "scenario", cases=2)))
    as_(reviewer, "exercise", "join")
    as_(facilitator, "exercise", "assign")
    ((lead_id,),) = owner_rows(
        postgres_url,
        "SELECT l.id FROM lead l JOIN exercise_case c ON c.case_id = l.case_id"
        " WHERE l.status = 'awaiting-review' ORDER BY l.id LIMIT 1",
    )
    as_(reviewer, "exercise", "decide", str(lead_id), "--decision", "not-a-match",
        "--rationale", "the ears differ")  # fmt: skip

    # Join codes: issued and revoked by the facilitator's login, used in the served room.
    issued = as_(facilitator, "exercise", "invite", "pat", "--role", "reviewer")
    code = _CODE.search(issued).group(1)  # type: ignore[union-attr]
    revoked = as_(facilitator, "exercise", "invite", "bo", "--role", "reviewer")
    revoked_id = _INVITE.search(revoked).group(1)  # type: ignore[union-attr]
    assert "revoked" in as_(facilitator, "exercise", "revoke-invite", revoked_id)
    short = as_(facilitator, "exercise", "invite", "cy", "--role", "reviewer", "--expires", "5m")
    short_code = _CODE.search(short).group(1)  # type: ignore[union-attr]

    room_url = as_login(postgres_url, room)
    signed_in, error = asyncio.run(_sign_in(room_url, code))
    assert (signed_in, error) == (Actor(name="pat", role=Role.REVIEWER), "")
    again, error = asyncio.run(_sign_in(room_url, code))
    assert again == NOBODY_YET and "already used" in error
    _, error = asyncio.run(_sign_in(room_url, _CODE.search(revoked).group(1)))  # type: ignore[union-attr]
    assert "revoked" in error
    later = datetime.now(UTC) + timedelta(minutes=6)
    store = open_store(url=room_url)
    try:
        late = ExerciseService(WorkflowContext(store=store, audit=AuditLog(), clock=lambda: later))
        with pytest.raises(JoinRefused, match="expired"):
            late.redeem_join_code(short_code)
    finally:
        store.dispose()

    as_(facilitator, "exercise", "reveal")
    (exercise_id,) = owner_rows(postgres_url, "SELECT id FROM exercise")[0]
    as_(facilitator, "exercise", "close", "--exercise", str(exercise_id))
    assert "ok" in as_(auditor, "audit", "verify")

    stored = owner_rows(
        postgres_url,
        f"SELECT event_type, actor, role, auth, login FROM audit_event"
        f" WHERE seq > {granted_up_to} ORDER BY seq",
    )
    # Never the owner: every event after the grants was stored by one of the logins.
    logins = {row[4] for row in stored}
    assert {facilitator, reviewer, room} <= logins <= {facilitator, reviewer, room, auditor}
    by_type = {(row[0], row[1], row[3], row[4]) for row in stored}
    assert {
        ("exercise.started", facilitator, "postgres-login", facilitator),
        ("exercise.joined", reviewer, "postgres-login", reviewer),
        ("exercise.invite_issued", facilitator, "postgres-login", facilitator),
        ("exercise.invite_revoked", facilitator, "postgres-login", facilitator),
        ("exercise.invite_used", "pat", "join-code", room),
        ("exercise.invite_refused", "unauthenticated", "join-code", room),
        ("exercise.revealed", facilitator, "postgres-login", facilitator),
        ("exercise.closed", facilitator, "postgres-login", facilitator),
    } <= by_type
    refusals = [row[0] for row in stored if row[0] == "exercise.invite_refused"]
    assert len(refusals) == 3  # used again, revoked, expired
    decided = [row for row in stored if row[0] in ("lead.decided", "exercise.decided")]
    assert decided and {(row[1], row[4]) for row in decided} == {(reviewer, reviewer)}


def test_a_login_named_like_a_system_principal_is_refused(
    owner_store: Store,
    postgres_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A login called `exercise-<id>-clock` would release that exercise's injects, and
    # one called `demo facilitator` would own exercises any facilitator may run.
    import secrets

    name = f"exercise-{secrets.randbelow(10**12)}-clock"
    with psycopg.connect(libpq(postgres_url), autocommit=True) as owner:
        owner.execute(f'CREATE ROLE "{name}" LOGIN')
    try:
        grant(capsys, monkeypatch, postgres_url, name, "facilitator")
        refused = cli(capsys, monkeypatch, as_login(postgres_url, name), "exercise", "status")
        assert refused.code == 3
        assert "the name is reserved for the system" in refused.one_error_line()
    finally:
        with psycopg.connect(libpq(postgres_url), autocommit=True) as owner:
            owner.execute(f'DROP OWNED BY "{name}"')
            owner.execute(f'DROP ROLE "{name}"')
