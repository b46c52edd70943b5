"""Sealed truth, tried as a participant would through the real CLI: before the reveal
nothing a participant can reach shows ground truth, and every refusal is an event naming
who tried."""

from pathlib import Path

import pytest

from leadreview.audit.log import AuditLog
from leadreview.audit.models import AuditEvent
from leadreview.store.store import Store
from tests.support.cli import principal_of, run

# The answers a bundled scenario's case key must not give away on the participants' board.
TELLING = ("mated", "true-lead", "none", "lookalike", "not-in-gallery", "rank", "same-face")


def _events(store: Store, event_type: str) -> list[AuditEvent]:
    with store.reading() as session:
        return AuditLog.events(session, event_type=event_type)


def test_probe_render_reveals_the_truth_to_the_facilitator_only(
    db: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = tmp_path / "still.png"
    refused = run(capsys, "probe", "render", "--probe", "3", "-o", str(image), "--reveal")
    assert refused.code == 3
    assert "may not view-ground-truth" in refused.one_error_line()
    assert "ground truth" not in refused.out and not image.exists()
    (refusal,) = _events(db, "permission.refused")
    assert (refusal.actor, refusal.role) == (principal_of(db), "investigator")
    assert refusal.payload["action"] == "view-ground-truth"

    shown = run(capsys, "probe", "render", "--probe", "3", "-o", str(image), "--reveal",
                "--role", "facilitator")  # fmt: skip
    assert shown.code == 0, shown.err
    assert "ground truth: mated" in shown.out
    (viewed,) = _events(db, "truth.viewed")
    assert (viewed.actor, viewed.role, viewed.payload["probe"]) == (
        principal_of(db),
        "facilitator",
        viewed.payload["probe"],
    )


def test_scenario_show_hides_the_truth_unless_the_facilitator_asks(
    db: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = run(capsys, "scenario", "show", "two-reviewers")
    assert plain.code == 0, plain.err
    assert "mated" not in plain.out and "mate rank" not in plain.out
    assert "ground truth sealed" in plain.out

    refused = run(capsys, "scenario", "show", "two-reviewers", "--reveal")
    assert refused.code == 3 and "mated" not in refused.out
    assert _events(db, "permission.refused")[-1].payload["subject"]["scenario"] == "two-reviewers"

    shown = run(capsys, "scenario", "show", "two-reviewers", "--reveal", "--role", "facilitator")
    assert shown.code == 0 and "mate rank" in shown.out
    assert len(_events(db, "truth.viewed")) == 1


def test_bundled_case_keys_do_not_give_the_answer_away() -> None:
    from leadreview.exercise.loading import bundled_exercise_paths, load_exercise

    for path in bundled_exercise_paths():
        for case in load_exercise(path).scenario.cases:
            assert not any(word in case.id for word in TELLING), (path.name, case.id)


def test_closing_without_a_reveal_never_opens_the_truth(
    db: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "exercise", "start", "two-reviewers").code == 0
    joined = run(capsys, "exercise", "join", "--role", "reviewer")
    assert joined.code == 0, joined.err
    assert run(capsys, "exercise", "assign").code == 0
    board = run(capsys, "exercise", "board", "--role", "reviewer")
    assert board.code == 0, board.err
    with db.reading() as session:
        keys = [
            str(k)
            for (k,) in session.connection().exec_driver_sql("SELECT case_key FROM exercise_case")
        ]
    assert keys and not any(key in board.out for key in keys)  # opaque: case numbers only

    assert run(capsys, "exercise", "close", "--exercise", "1").code == 0
    report = tmp_path / "debrief.html"
    sealed = run(capsys, "exercise", "debrief", "-o", str(report), "--exercise", "1")
    assert sealed.code != 0
    assert "sealed until the facilitator reveals it" in sealed.one_error_line()
    assert not report.exists()
    assert _events(db, "exercise.revealed") == []

    revealed = run(capsys, "exercise", "reveal", "--exercise", "1")
    assert revealed.code == 0, revealed.err
    assert len(_events(db, "exercise.revealed")) == 1
    opened = run(capsys, "exercise", "debrief", "-o", str(report),
                 "--exercise", "1")  # fmt: skip
    assert opened.code == 0, opened.err
    assert report.exists()


def test_refusing_a_lead_of_someone_else_s_case_names_it_by_number_not_by_key(
    db: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    from leadreview.domain.roles import Actor, Role
    from tests.support.exercise import service

    assert run(capsys, "exercise", "start", "wcso-cold-cases").code == 0
    assert run(capsys, "exercise", "join", "--role", "reviewer").code == 0
    service(db).join(Actor(name="pat", role=Role.REVIEWER), 1)
    assert run(capsys, "exercise", "assign").code == 0
    with db.reading() as session:
        theirs = (
            session.connection()
            .exec_driver_sql(
                "SELECT c.case_id, c.case_key, min(l.id) FROM exercise_case c"
                " JOIN exercise_assignment a ON a.exercise_case_id = c.id"
                " JOIN exercise_participant p ON p.id = a.participant_id AND p.name = 'pat'"
                " JOIN search s ON s.case_id = c.case_id JOIN lead l ON l.search_id = s.id"
                " GROUP BY c.case_id, c.case_key ORDER BY c.case_id"
            )
            .first()
        )
    assert theirs is not None
    case_id, case_key, lead_id = int(theirs[0]), str(theirs[1]), int(theirs[2])

    refused = run(capsys, "exercise", "decide", str(lead_id), "--decision", "not-a-match",
                  "--rationale", "the ears differ clearly")  # fmt: skip
    assert refused.code == 3
    line = refused.one_error_line()
    assert f"case {case_id} is not assigned" in line, line
    assert case_key not in line  # authors name cases after their answer
