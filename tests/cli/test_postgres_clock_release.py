"""On PostgreSQL the exercise clock's release of a due inject may be stored from a seated
participant's login (migration 0008_clock_release_seated): a reviewer's command
releases what has come due, under the clock's name. Nothing else in the facilitator's
role is let through: the hostile steps are plain SQL over psycopg, never our code.
"""

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from leadreview.store.migrate import HEAD_REVISION
from tests.support.exercise import write_scenario
from tests.support.postgres_logins import (
    Connection,
    GrantedLogins,
    libpq,
    migrate,
    migration,
    owner_rows,
    store_raw_event,
)

pytestmark = pytest.mark.postgres

MIGRATION = migration("0008_clock_release_seated")


MORE_INJECTS = """\
  - id: later
    kind: evidence
    title: "Later"
    text: "An hour in."
    release: {after_minutes: 60}
  - id: decided
    kind: pressure
    title: "Case decided"
    text: "Once the first case has a decision."
    release: {when: case_decided, case: case-00}
debrief_questions:"""
DECIDED = "condition case_decided:case-00"


def _scenario(folder: Path) -> Path:
    """The small drill (`pressure` due at once, `receipt` manual) with two more injects:
    `later`, due an hour into play, and `decided`, once case-00 has a decision."""
    path = write_scenario(folder, cases=2)
    path.write_text(path.read_text().replace("debrief_questions:", MORE_INJECTS))
    return path


@pytest.fixture
def seated(logins: GrantedLogins, postgres_url: str, tmp_path: Path) -> tuple[str, str, int]:
    """An exercise started by a facilitator login and joined by a reviewer login (nobody
    has looked at the console yet): (facilitator, reviewer, exercise id)."""
    facilitator, reviewer = logins.grant("facilitator"), logins.grant("reviewer")
    logins.ok(facilitator, "exercise", "start", str(_scenario(tmp_path / "scenario")))
    logins.ok(reviewer, "exercise", "join")
    ((exercise_id,),) = owner_rows(postgres_url, "SELECT id FROM exercise")
    return facilitator, reviewer, int(str(exercise_id))


def _releases(postgres_url: str) -> list[tuple[object, ...]]:
    return owner_rows(
        postgres_url,
        "SELECT payload::jsonb->>'inject_key', payload::jsonb->>'trigger', actor, role, auth,"
        " login FROM audit_event"
        " WHERE event_type = 'exercise.inject_released' ORDER BY seq",
    )


def _released_by(postgres_url: str) -> dict[str, object]:
    rows = owner_rows(postgres_url, "SELECT inject_key, released_by FROM exercise_inject")
    return {str(key): by for key, by in rows}


def test_a_reviewer_s_command_releases_a_due_inject_under_the_clock(
    seated: tuple[str, str, int], logins: GrantedLogins, postgres_url: str
) -> None:
    facilitator, reviewer, exercise_id = seated
    logins.ok(facilitator, "exercise", "assign")
    assert _releases(postgres_url) == []
    ((lead_id,),) = owner_rows(
        postgres_url,
        "SELECT l.id FROM lead l JOIN exercise_case c ON c.case_id = l.case_id"
        " WHERE c.case_key = 'case-00' ORDER BY l.id LIMIT 1",
    )
    logins.ok(reviewer, "exercise", "decide", str(lead_id),
              "--decision", "not-a-match", "--rationale", "the ears differ")  # fmt: skip

    clock = f"exercise-{exercise_id}-clock"
    # What was due, the schedule's and the decision's: `later` waits for its hour,
    # `receipt` for the facilitator.
    assert _releases(postgres_url) == [
        ("pressure", "schedule", clock, "facilitator", "system-clock", reviewer),
        ("decided", DECIDED, clock, "facilitator", "system-clock", reviewer),
    ]
    assert _released_by(postgres_url) == {
        "pressure": clock,
        "receipt": None,
        "later": None,
        "decided": clock,
    }
    assert "ok" in logins.ok(facilitator, "audit", "verify")


def _release(connection: Connection, exercise_id: int, key: str, *, trigger: str = "schedule",
             event_type: str = "exercise.inject_released") -> None:  # fmt: skip
    """A raw release of `key` under the clock's name, as the service would write it."""
    clock = f"exercise-{exercise_id}-clock"
    connection.execute(
        "UPDATE exercise_inject SET released_at = now(), released_by = %s"
        " WHERE exercise_id = %s AND inject_key = %s",
        (clock, exercise_id, key),
    )
    store_raw_event(
        connection,
        event_type,
        {"exercise_id": exercise_id, "inject_key": key, "trigger": trigger},
        actor=clock,
        role="facilitator",
        auth="system-clock",
    )


def _refused(connection: Connection, write: Callable[[], None]) -> str:
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as refused:
        write()
        connection.commit()
    connection.rollback()
    return str(refused.value)


def test_a_reviewer_login_cannot_release_early_nor_write_another_facilitator_event(
    seated: tuple[str, str, int], logins: GrantedLogins, postgres_url: str
) -> None:
    facilitator, reviewer, exercise_id = seated
    does_not_hold = f"login {reviewer} does not hold the role facilitator"
    with psycopg.connect(libpq(postgres_url, reviewer)) as connection:

        def refusal(exercise: int, key: str, **how: str) -> str:
            return _refused(connection, lambda: _release(connection, exercise, key, **how))

        # Not yet due by the exercise clock, or never scheduled (released by hand), or
        # its condition not met (no decision yet), or under another inject's condition.
        assert does_not_hold in refusal(exercise_id, "later")
        assert does_not_hold in refusal(exercise_id, "receipt")
        assert does_not_hold in refusal(exercise_id, "decided", trigger=DECIDED)
        assert does_not_hold in refusal(exercise_id, "pressure", trigger=DECIDED)
        # A due inject, but not as the schedule releases it, or for another exercise.
        assert does_not_hold in refusal(exercise_id, "pressure", trigger="manual")
        assert does_not_hold in refusal(exercise_id + 1, "pressure")
        # Another facilitator event in the clock's name, naming the due inject.
        for other in ("exercise.revealed", "exercise.closed", "exercise.paused"):
            assert does_not_hold in refusal(exercise_id, "pressure", event_type=other), other
    assert _releases(postgres_url) == []

    # A login seated in no exercise cannot release even what is due; through the CLI
    # it is told that it has not joined, and nothing is released on its command.
    stranger = logins.grant("reviewer", "str")
    with psycopg.connect(libpq(postgres_url, stranger)) as connection:
        refused = _refused(connection, lambda: _release(connection, exercise_id, "pressure"))
    assert f"login {stranger} does not hold the role facilitator" in refused
    looked = logins.run(stranger, "exercise", "board")
    assert looked.code != 0 and "has not joined exercise" in looked.one_error_line()

    with psycopg.connect(libpq(postgres_url, reviewer)) as connection:
        # An inject row of its own, due at once, added under a raw `exercise.started` of
        # its own that lists it (0007 lets that INSERT through): not one the exercise's
        # own start recorded. (Raw events are committed only in the last step: the
        # Merkle tree does not know them, and the CLI would refuse to append after one.)
        def forge_an_inject_and_release_it() -> None:
            forged = {"inject_key": "forged", "release_after_minutes": 0}
            started = {"exercise_id": exercise_id, "injects": [forged]}
            store_raw_event(connection, "exercise.started", started)
            connection.execute(
                "INSERT INTO exercise_inject (exercise_id, inject_key, position,"
                " release_after_minutes) VALUES (%s, 'forged', 99, 0)",
                (exercise_id,),
            )
            _release(connection, exercise_id, "forged")

        assert does_not_hold in _refused(connection, forge_an_inject_and_release_it)

    # Paused, nothing is due: no time passes in play, and a raw `exercise.resumed` of a
    # reviewer's does not resume it.
    logins.ok(facilitator, "exercise", "pause")
    with psycopg.connect(libpq(postgres_url, reviewer)) as connection:
        assert does_not_hold in _refused(
            connection, lambda: _release(connection, exercise_id, "pressure")
        )

        def resume_and_release() -> None:
            resumed = {"exercise_id": exercise_id, "at": "2000-01-01T00:00:00+00:00"}
            store_raw_event(connection, "exercise.resumed", resumed)
            _release(connection, exercise_id, "pressure")

        assert does_not_hold in _refused(connection, resume_and_release)
    logins.ok(facilitator, "exercise", "resume")

    # The control: the same raw release of the due inject by the seated login commits,
    # and only once.
    with psycopg.connect(libpq(postgres_url, reviewer)) as connection:
        _release(connection, exercise_id, "pressure")
        connection.commit()
        _refused(connection, lambda: _release(connection, exercise_id, "pressure"))
    assert [row[0] for row in _releases(postgres_url)] == ["pressure"]


def _borrowed_role_is_stored(postgres_url: str, login: str, exercise_id: int) -> bool:
    """Whether a facilitator event of `login`'s is stored once the login's own temporary
    `pg_roles` lists it as holding that role (rolled back either way)."""
    with psycopg.connect(libpq(postgres_url, login)) as connection:
        connection.execute("CREATE TEMP TABLE pg_roles (rolname name, oid oid)")
        connection.execute(
            "INSERT INTO pg_roles SELECT 'leadreview_facilitator', oid"
            " FROM pg_catalog.pg_roles WHERE rolname = current_user"
        )
        try:
            store_raw_event(connection, "exercise.closed", {"exercise_id": exercise_id},
                            role="facilitator")  # fmt: skip
        except psycopg.errors.InsufficientPrivilege:
            return False
        finally:
            connection.rollback()
    return True


def test_the_migration_applies_to_an_existing_database_and_downgrades(
    seated: tuple[str, str, int], postgres_url: str
) -> None:
    _, reviewer, exercise_id = seated

    def due_release_is_admitted() -> bool:
        with psycopg.connect(libpq(postgres_url, reviewer)) as connection:
            try:
                _release(connection, exercise_id, "pressure")
                connection.rollback()  # judged at the insert; nothing kept
            except psycopg.errors.InsufficientPrivilege:
                return False
        return True

    migrate(postgres_url, MIGRATION.down_revision, down=True)
    assert not due_release_is_admitted()
    # 0004's trigger read `pg_roles` by its bare name, and a temporary table comes first
    # on the search path: a login could list itself as holding the facilitator role.
    assert _borrowed_role_is_stored(postgres_url, reviewer, exercise_id)
    migrate(postgres_url, HEAD_REVISION, down=False)
    assert due_release_is_admitted()
    assert not _borrowed_role_is_stored(postgres_url, reviewer, exercise_id)
