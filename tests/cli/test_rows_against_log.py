"""P15: what the application shows agrees with the log. Working rows and policy files are
changed behind the application's back (plain SQL, a text editor); `audit verify` exits 1
naming each row and file, and `case show` marks a lead that disagrees."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from leadreview.domain.decision import DecisionKind
from leadreview.domain.roles import Actor, Role
from leadreview.policy.loader import bundled_policy_paths
from leadreview.store.store import Store
from tests.support.cli import run
from tests.support.exercise import FACILITATOR, service, small_world


def _open_case(capsys: pytest.CaptureFixture[str], tmp_path: Path, *policy: str) -> None:
    image = tmp_path / "still.png"
    rendered = run(capsys, "probe", "render", "--probe", "3", "--output", str(image))
    assert rendered.code == 0, rendered.err
    # Choosing the policies is a supervisor's (change-policy), not an investigator's.
    role = ("--role", "supervisor") if policy else ()
    opened = run(
        capsys, "case", "open", "--image", str(image), "--offense", "theft", *policy, *role
    )
    assert opened.code == 0, opened.err


def _sql(store: Store, *statements: str) -> None:
    with store.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def test_an_untouched_database_agrees_with_its_log(
    db: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _open_case(capsys, tmp_path)
    verified = run(capsys, "audit", "verify")
    assert verified.code == 0, verified.out


def test_edited_rows_and_an_edited_policy_file_are_named(
    db: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "mine.yaml"
    shutil.copy(next(p for p in bundled_policy_paths() if p.stem == "wcso-practice"), policy)
    _open_case(capsys, tmp_path, "--policy", str(policy))
    assert run(capsys, "audit", "verify").code == 0

    _sql(
        db,
        "UPDATE lead SET similarity = 12.5 WHERE id = 2",
        "UPDATE lead SET status = 'forwarded' WHERE id = 3",
        "UPDATE policy_verdict SET verdict = 'filtered' WHERE lead_id = 1",
        "UPDATE review_case SET offense = 'nothing to see' WHERE id = 1",
        "DELETE FROM policy_verdict WHERE lead_id = 4",
    )
    policy.write_text(policy.read_text() + "\n# quietly loosened\n")

    verified = run(capsys, "audit", "verify")
    assert verified.code == 1
    out = verified.out
    assert "lead 2: similarity is 12.5 but event" in out
    assert "lead 3: status 'forwarded' (version 1) but the log records 'awaiting-review'" in out
    assert "verdict lead 1 under wcso-practice: verdict is 'filtered'" in out
    assert "case 1: offense is 'nothing to see'" in out
    assert "verdict lead 4 under wcso-practice: recorded by event" in out
    assert f"policy file edited after its verdicts: policy file {policy}: now hashes" in out

    report = tmp_path / "audit.html"
    reported = run(capsys, "report", "audit", "--output", str(report))
    assert reported.code == 1  # the report says the log and the rows disagree
    page = report.read_text()
    assert str(policy) in page and "lead 2: similarity is 12.5" in page

    shown = run(capsys, "case", "show", "1", "--role", "supervisor")
    assert shown.code == 0, shown.err
    assert "≠ log" in shown.out
    assert "lead 2 disagrees with the log: similarity is 12.5" in shown.out


def test_a_forged_decision_and_a_flipped_truth_are_named(
    db: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exercises = service(db)
    summary = exercises.start(FACILITATOR, small_world(tmp_path, cases=2))
    ana = Actor(name="ana", role=Role.REVIEWER)
    exercises.join(ana, summary.exercise_id)
    exercises.assign(FACILITATOR, summary.exercise_id)
    assert run(capsys, "audit", "verify").code == 0, run(capsys, "audit", "verify").out

    with db.engine.begin() as connection:
        lead = connection.execute(
            text("SELECT id FROM lead WHERE status = 'awaiting-review' ORDER BY id LIMIT 1")
        ).scalar_one()
        reviewer = connection.execute(text("SELECT id FROM reviewer LIMIT 1")).scalar_one()
        connection.execute(
            text(
                "INSERT INTO decision (lead_id, reviewer_id, kind, rationale, decided_at,"
                " lead_version) VALUES (:lead, :reviewer, :kind, 'forged', CURRENT_TIMESTAMP, 1)"
            ),
            {"lead": lead, "reviewer": reviewer, "kind": DecisionKind.POSSIBLE_LEAD.value},
        )
        connection.execute(text("UPDATE exercise_case SET mated = NOT mated"))
        connection.execute(text("DELETE FROM exercise_assignment"))

    out = run(capsys, "audit", "verify")
    assert out.code == 1
    assert "no lead.decided event records it" in out.out
    assert f"exercise {summary.exercise_id}: its ground truth" in out.out
    assert "recorded but gone" in out.out


def test_a_recorded_row_deleted_behind_the_apps_back_is_named(
    db: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _open_case(capsys, tmp_path)
    _sql(db, "DELETE FROM policy_verdict WHERE lead_id = 5", "DELETE FROM lead WHERE id = 5")
    out = run(capsys, "audit", "verify")
    assert out.code == 1
    gone = [x for x in out.out.splitlines() if "but gone" in x]
    assert "disagrees with the log: lead 5: recorded by event 3 but gone" in gone
    assert sum("verdict lead 5 under" in x for x in gone) == 4  # one per bundled policy
