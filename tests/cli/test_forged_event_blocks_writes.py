"""An event INSERTed behind the application's back (raw SQL: any login may INSERT into
the audit table) carries no Merkle hashes. Every later write must then end in one line
and exit 1 (the log does not verify), never a traceback, and write nothing; reads and
`audit verify` keep working and name the forged event."""

from pathlib import Path

import pytest
from sqlalchemy import text

from leadreview.store.store import Store
from tests.support.cli import events, run


def _forge_an_event_without_its_tree_hashes(store: Store) -> int:
    """Copy the newest event one seq further on, as plain SQL would: chain fields and all,
    but no `audit_merkle` row (only the application writes those)."""
    with store.engine.begin() as connection:
        seq = int(connection.execute(text("SELECT max(seq) FROM audit_event")).scalar_one())
        connection.execute(
            text(
                "INSERT INTO audit_event (seq, time, actor, role, event_type, payload,"
                " prev_digest, digest, format, auth, login)"
                " SELECT seq + 1, time, actor, role, event_type, payload, digest,"
                " digest, format, auth, login FROM audit_event WHERE seq = :seq"
            ),
            {"seq": seq},
        )
    return seq + 1


def test_after_a_forged_event_writes_are_one_line_and_nothing_is_written(
    db: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "exercise", "start", "two-reviewers").code == 0
    image = tmp_path / "still.png"
    assert run(capsys, "probe", "render", "--probe", "3", "--output", str(image)).code == 0
    forged = _forge_an_event_without_its_tree_hashes(db)
    before = len(events(db))

    for args in (
        ("exercise", "close", "--exercise", "1"),
        ("exercise", "join", "--role", "reviewer"),
        ("case", "open", "--image", str(image), "--offense", "theft"),
    ):
        refused = run(capsys, *args)
        line = refused.one_error_line()  # exactly one line, no traceback
        assert refused.code == 1, (args, refused.err)
        assert f"event {forged}" in line and "nothing was written" in line, line
    assert len(events(db)) == before
    with db.engine.connect() as connection:
        status = connection.execute(text("SELECT status FROM exercise WHERE id = 1"))
        assert status.scalar_one() == "running"
        participants = connection.execute(text("SELECT count(*) FROM exercise_participant"))
        assert participants.scalar_one() == 0
        cases = connection.execute(text("SELECT count(*) FROM review_case"))
        assert cases.scalar_one() == 4  # the exercise's own, none from the refused open

    verified = run(capsys, "audit", "verify")
    assert verified.code == 1
    assert f"seq {forged}" in verified.out or f"number: {forged}" in verified.out, verified.out
