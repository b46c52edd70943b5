"""`leadreview exercise pause|resume|extend` on SQLite and PostgreSQL: the facilitator's
steps are events naming them, `status` says paused and the time left, a participant's
decision while paused is one line and a refusal on record, and a bad `--minutes` is one
line that writes nothing."""

from pathlib import Path

import pytest

from leadreview.store.store import Store
from tests.support.cli import events, principal_of, run
from tests.support.exercise import table_rows, write_scenario


def test_pause_resume_and_extend_from_the_command_line(
    db: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    scenario = write_scenario(tmp_path / "s", cases=2)
    assert run(capsys, "exercise", "start", str(scenario)).code == 0
    assert run(capsys, "exercise", "join", "--role", "reviewer").code == 0
    assert run(capsys, "exercise", "assign").code == 0
    [case] = [c for c in table_rows(db, "exercise_case") if c["case_key"] == "case-00"]
    lead_id = min(r["id"] for r in table_rows(db, "lead", case_id=case["case_id"]))

    paused = run(capsys, "exercise", "pause")
    assert paused.code == 0, paused.err
    assert "paused" in paused.out
    status = run(capsys, "exercise", "status")
    assert status.code == 0, status.err
    assert "PAUSED" in status.out and "min left" in status.out
    # A status is a tick of the clock; paused, the inject due at minute 0 stays in.
    assert events(db, "exercise.inject_released") == []

    refused = run(
        capsys,
        "exercise",
        "decide",
        str(lead_id),
        "--role",
        "reviewer",
        "--decision",
        "not-a-match",
        "--rationale",
        "the ears are different",
    )
    assert "the exercise is paused" in refused.one_error_line()
    assert table_rows(db, "decision") == []
    [refusal] = events(db, "permission.refused")
    assert refusal.actor == principal_of(db) and refusal.payload["action"] == "exercise-decide"

    extended = run(capsys, "exercise", "extend", "--minutes", "15")
    assert extended.code == 0, extended.err
    assert "the limit is now 45 min" in extended.out
    assert run(capsys, "exercise", "resume").code == 0
    status = run(capsys, "exercise", "status")
    assert "PAUSED" not in status.out and "of 45 min" in status.out
    decided = run(
        capsys,
        "exercise",
        "decide",
        str(lead_id),
        "--role",
        "reviewer",
        "--decision",
        "not-a-match",
        "--rationale",
        "the ears are different",
    )
    assert decided.code == 0, decided.err
    clock = ("exercise.paused", "exercise.extended", "exercise.resumed")
    assert [(e.actor, e.event_type) for e in events(db) if e.event_type in clock] == [
        (principal_of(db), "exercise.paused"),
        (principal_of(db), "exercise.extended"),
        (principal_of(db), "exercise.resumed"),
    ]
    # The inject due at minute 0 came out on the first status after the resume, not before.
    [pressure] = table_rows(db, "exercise_inject", inject_key="pressure")
    assert pressure["released_at"] is not None


@pytest.mark.parametrize("minutes", ["0", "-3", "lots", "100000", "nan", "inf", "1e400"])
def test_a_bad_extension_is_one_line_and_writes_nothing(
    db: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path, minutes: str
) -> None:
    scenario = write_scenario(tmp_path / "s", cases=1)
    assert run(capsys, "exercise", "start", str(scenario)).code == 0
    result = run(capsys, "exercise", "extend", "--minutes", minutes)
    assert "--minutes" in result.one_error_line()
    assert events(db, "exercise.extended") == []


def test_pausing_twice_is_one_line_and_on_record(
    db: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    scenario = write_scenario(tmp_path / "s", cases=1)
    assert run(capsys, "exercise", "start", str(scenario)).code == 0
    assert run(capsys, "exercise", "pause").code == 0
    again = run(capsys, "exercise", "pause")
    assert "already paused" in again.one_error_line()
    assert [e.payload["action"] for e in events(db, "permission.refused")] == ["exercise-pause"]
