"""On PostgreSQL a login's row change commits only with an event that describes it
(migration 0007_event_describes_change): a raw event the login writes itself must be of a
type that changes that table and, where it names a row, name the changed one. The
hostile steps are plain SQL over psycopg, never our code.
"""

import shutil
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from leadreview.exercise.records import ExerciseEvent
from leadreview.store.migrate import HEAD_REVISION
from leadreview.store.privileges import UPDATABLE_COLUMNS
from leadreview.store.store import Store
from leadreview.workflow.audit_port import EventType
from leadreview.workflow.import_responses import RESPONSE_IMPORTED
from tests.support.postgres_logins import (
    Connection,
    as_login,
    cli,
    grant,
    libpq,
    migrate,
    migration,
    owner_rows,
    store_raw_event,
)

pytestmark = pytest.mark.postgres

MAP = migration("0007_event_describes_change")


def _leads(postgres_url: str) -> list[tuple[int, str, int]]:
    rows = owner_rows(
        postgres_url, "SELECT id, status, version FROM lead WHERE case_id IS NOT NULL ORDER BY id"
    )
    return [(int(str(i)), str(s), int(str(v))) for i, s, v in rows]


def _decided(lead_id: int, version: int, status_after: str) -> dict[str, object]:
    return {"lead_id": lead_id, "lead_version": version, "status_after": status_after}


def _refused(connection: Connection) -> str:
    with pytest.raises(psycopg.errors.InsufficientPrivilege) as refused:
        connection.commit()
    connection.rollback()
    return str(refused.value)


def _forward(connection: Connection, lead_id: int) -> None:
    connection.execute(
        "UPDATE lead SET status = 'forwarded', version = version + 1 WHERE id = %s", (lead_id,)
    )


def test_a_raw_event_changes_only_the_row_it_names_in_a_table_its_type_writes(
    opened_case: str,
    postgres_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reviewer = opened_case
    leads = _leads(postgres_url)
    assert len(leads) >= 2, leads
    (named, _, version), (other, _, _) = leads[0], leads[1]
    with psycopg.connect(libpq(postgres_url, reviewer)) as connection:
        # A `lead.decided` of its own naming one lead does not let it change another.
        store_raw_event(connection, "lead.decided", _decided(named, version, "forwarded"))
        _forward(connection, other)
        message = _refused(connection)
        assert f"login {reviewer} changed lead (UPDATE) under a lead.decided event" in message
        assert "names another row" in message

        # Nor a change other than the one it states (another version, another status).
        store_raw_event(connection, "lead.decided", _decided(named, version + 5, "forwarded"))
        _forward(connection, named)
        assert "names another row" in _refused(connection)
        store_raw_event(connection, "lead.decided", _decided(named, version, "rejected"))
        _forward(connection, named)
        assert "names another row" in _refused(connection)

        # An exercise's event changes no lead at all.
        store_raw_event(connection, "exercise.closed", {"exercise_id": 1})
        _forward(connection, named)
        message = _refused(connection)
        assert "changed lead (UPDATE) under a exercise.closed event" in message
        assert "never changes that table" in message

        # Nor does an event that writes other tables only (a reviewer's registration).
        store_raw_event(connection, "reviewer.registered", {"lead_id": named})
        _forward(connection, named)
        assert "never changes that table" in _refused(connection)

    assert _leads(postgres_url) == leads

    # What stays possible (docs/security.md): the named row, changed as the event says,
    # commits under the login's own name, and `audit verify` names the forgery.
    with psycopg.connect(libpq(postgres_url, reviewer)) as connection:
        store_raw_event(connection, "lead.decided", _decided(named, version, "forwarded"))
        _forward(connection, named)
        connection.commit()
        stamped = connection.execute(
            "SELECT login FROM audit_event ORDER BY seq DESC LIMIT 1"
        ).fetchone()
    assert stamped == (reviewer,)
    assert _leads(postgres_url)[0] == (named, "forwarded", version + 1)
    verified = cli(capsys, monkeypatch, postgres_url, "audit", "verify")
    assert verified.code == 1, verified.out + verified.err


def test_the_migration_map_names_the_code_s_event_types_and_runs_in_the_database(
    owner_store: Store, postgres_url: str
) -> None:
    known = {e.value for e in EventType} | {e.value for e in ExerciseEvent} | {RESPONSE_IMPORTED}
    events_writing: dict[str, tuple[str, ...]] = MAP.EVENTS_WRITING
    subjects: dict[tuple[str, str, str], object] = MAP.SUBJECTS
    # Every guarded table (0006's list, which a test holds equal to the schema) is mapped.
    assert set(events_writing) == set(migration("0006_service_writes").WORKING_TABLES)
    for table, types in events_writing.items():
        assert set(types) <= known, (table, set(types) - known)
    for table, operation, event_type in subjects:
        assert event_type == MAP.ANY_TYPE or event_type in events_writing[table]
        assert operation in {"INSERT", "UPDATE"}
    # Every column a service updates in place is updated under an event naming the row:
    # an UPDATE under any other event is refused, so a missing rule would break a service.
    updated = {table for table, operation, _ in subjects if operation == "UPDATE"}
    assert updated == set(UPDATABLE_COLUMNS) - {"audit_head"}

    with psycopg.connect(libpq(postgres_url)) as owner:
        triggers = owner.execute(
            "SELECT c.relname, t.tgargs, p.proname FROM pg_trigger t"
            " JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid"
            " WHERE c.relnamespace = current_schema()::regnamespace"
            " AND t.tgname = c.relname || '_requires_event'"
        ).fetchall()
    running = {
        str(table): (str(function), tuple(bytes(args).decode().split("\0")[:-1]))  # type: ignore[arg-type]
        for table, args, function in triggers
    }
    assert running == {table: (MAP.FUNCTION, types) for table, types in events_writing.items()}


def _lead_forward_commits(postgres_url: str, login: str, lead_id: int) -> bool:
    with psycopg.connect(libpq(postgres_url, login)) as connection:
        store_raw_event(connection, "exercise.closed", {"exercise_id": 1})
        _forward(connection, lead_id)
        try:
            connection.commit()
        except psycopg.errors.InsufficientPrivilege:
            return False
    return True


def test_the_migration_applies_to_an_existing_database_and_downgrades(
    opened_case: str, postgres_url: str
) -> None:
    reviewer = opened_case
    lead_id = _leads(postgres_url)[0][0]
    migrate(postgres_url, MAP.down_revision, down=True)
    # Under 0006 any event of the transaction's own let the change through.
    assert _lead_forward_commits(postgres_url, reviewer, lead_id)
    migrate(postgres_url, HEAD_REVISION, down=False)  # over the rows already there
    assert not _lead_forward_commits(postgres_url, reviewer, lead_id)


RESPONSES = Path(__file__).parents[2] / "fixtures" / "responses"


def test_the_batch_flows_run_as_a_login_under_the_map(
    owner_store: Store,
    postgres_url: str,
    make_login: Callable[[str], str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """The flows the whole-flow login tests do not take: a recorded comparison (batch
    runs, cases opened from a batch, simulated reviewers' decisions, the closing event)
    and imported search responses. Each row change would be refused at commit if the
    map missed its table under the event that closes the service's transaction."""
    login = make_login("batch")
    for role in ("analyst", "facilitator", "reviewer", "investigator"):
        grant(capsys, monkeypatch, postgres_url, login, role)
    as_batch = as_login(postgres_url, login)
    compared = cli(capsys, monkeypatch, as_batch,
                   "compare", "--record", "--scenario", "aclu-2018", "--gallery-size", "2000",
                   "--probes", "3", "--seed", "5", "--seeds", "2",
                   "--format", "json", "--output", str(tmp_path / "comparison.json"))  # fmt: skip
    assert compared.code == 0, compared.out + compared.err
    responses = tmp_path / "responses"
    shutil.copytree(RESPONSES, responses)
    imported = cli(capsys, monkeypatch, as_batch, "audit", "import-responses",
                   str(responses), "--role", "investigator")  # fmt: skip
    assert imported.code == 0, imported.out + imported.err

    with psycopg.connect(libpq(postgres_url)) as owner:
        stored = owner.execute(
            "SELECT event_type, count(*) FROM audit_event WHERE login = %s GROUP BY event_type",
            (login,),
        ).fetchall()
        decisions = owner.execute("SELECT count(*) FROM decision").fetchone()
    by_type = {str(t): int(str(n)) for t, n in stored}
    for event_type in ("batch.recorded", "case.opened", "search.recorded", "lead.decided",
                       "comparison.recorded", "response.imported"):  # fmt: skip
        assert by_type.get(event_type, 0) >= 1, (event_type, by_type)
    assert decisions == (by_type["lead.decided"],)
    verified = cli(capsys, monkeypatch, postgres_url, "audit", "verify")
    assert verified.code == 0, verified.out + verified.err
