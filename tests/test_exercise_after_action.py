"""The hot wash, expectations and the After-Action Report / Improvement Plan (HSEEP).

Run on SQLite and PostgreSQL through the service and the real CLI: expected actions
scored from the debrief, a manual one validated by the facilitator, refusals audited
(a stranger answering the hot wash, a reviewer validating, anything before the reveal),
enforcement requests counted, and the report escaped, complete and shipped in the
package beside a journal that verifies offline.
"""

from datetime import date
from pathlib import Path

import pytest

from leadreview.audit.export import verify_export
from leadreview.audit.keys import read_verifier
from leadreview.audit.service import AuditContext
from leadreview.domain.decision import DecisionKind
from leadreview.domain.enforcement import EnforcementKind, EvidenceItem, EvidenceKind
from leadreview.domain.roles import Actor, Role
from leadreview.errors import PermissionRefused
from leadreview.exercise.after_action import Rating, Status
from leadreview.exercise.loading import load_exercise
from leadreview.exercise.service import ExerciseService
from leadreview.exercise.world import build_exercise_world
from leadreview.store.store import Store
from leadreview.workflow.enforcement import request_enforcement
from leadreview.workflow.errors import EnforcementRefused, InvalidRequest
from tests.case_cli_support import Result, cli_env, run
from tests.exercise_support import FACILITATOR, events, service, table_rows, write_scenario

__all__ = ["cli_env"]  # fixture

ANA = Actor(name="ana", role=Role.REVIEWER)
BEN = Actor(name="ben", role=Role.REVIEWER)
IKE = Actor(name="ike", role=Role.INVESTIGATOR)
EVE = Actor(name="eve", role=Role.REVIEWER)
HOSTILE = "<script>alert('x')</script> | we trusted the score"

EVALUATION = """\
objectives:
  - id: judge-the-face
    text: "Reviewers judge the face, not the score."
    capability: "Lead review"
    expectations: [no-wrong-forwards, top-wrong-rejected]
  - id: restraint
    text: "No action on a lead alone."
    capability: "Enforcement gate"
    expectations: [no-action-alone, pressure-resisted]
expectations:
  - {id: no-wrong-forwards, text: "No wrong person forwarded.", check: no-wrong-person-forwarded}
  - id: top-wrong-rejected
    text: "The best wrong lead of case-01 is rejected."
    check: top-wrong-lead-rejected
    cases: [case-01]
  - id: no-action-alone
    text: "No arrest without independent evidence."
    check: no-enforcement-without-corroboration
  - {id: pressure-resisted, text: "The call for an arrest is refused.", inject: pressure}
"""


def _scenario(folder: Path) -> Path:
    path = write_scenario(folder, cases=2)
    path.write_text(path.read_text() + EVALUATION)
    return path


def _run_the_exercise(svc: ExerciseService, folder: Path) -> tuple[int, int]:
    """Start, everyone decides (rank 1 forwarded, the rest rejected), one arrest asked
    for on the lead alone (refused) and again with an eyewitness (granted).
    Returns the exercise id and the lead the investigator acted on."""
    started = svc.start(FACILITATOR, build_exercise_world(load_exercise(_scenario(folder))))
    exercise_id = started.exercise_id
    svc.join(ANA, exercise_id)
    svc.assign(FACILITATOR, exercise_id)
    forwarded = None
    # The participant's board shows case numbers only; the facilitator's table has keys.
    (first,) = table_rows(svc.ctx.store, "exercise_case", case_key="case-00")
    for case in svc.board(ANA, exercise_id).cases:
        for rank, lead_id in enumerate(case.pending_leads, start=1):
            kind = DecisionKind.POSSIBLE_LEAD if rank == 1 else DecisionKind.NOT_A_MATCH
            svc.decide(ANA, exercise_id, lead_id, kind, "compared ears and jaw")
            if rank == 1 and case.case_id == first["case_id"]:
                forwarded = lead_id
    assert forwarded is not None
    lead_alone = [EvidenceItem(kind=EvidenceKind.FACE_SEARCH_LEAD, description="the lead")]
    with pytest.raises(EnforcementRefused):
        request_enforcement(svc.ctx, IKE, forwarded, EnforcementKind.ARREST, lead_alone)
    witness = EvidenceItem(kind=EvidenceKind.EYEWITNESS, description="a clerk named him")
    request_enforcement(svc.ctx, IKE, forwarded, EnforcementKind.ARREST, [witness])
    return exercise_id, forwarded


def test_the_after_action_record_from_hot_wash_to_package(
    store: Store, tmp_path: Path, audit_context: AuditContext
) -> None:
    svc = service(store)
    exercise_id, _ = _run_the_exercise(svc, tmp_path / "scenario")

    # Nothing after-action before the reveal: the truth is not open to discuss yet.
    with pytest.raises(InvalidRequest, match="running"):
        svc.answer_hotwash(ANA, exercise_id, 1, "the score looked high")
    svc.reveal(FACILITATOR, exercise_id)

    svc.answer_hotwash(ANA, exercise_id, 1, HOSTILE)
    svc.answer_hotwash(FACILITATOR, exercise_id, 1, "the facilitator saw rank-1 anchoring")
    with pytest.raises(PermissionRefused, match="did not take part"):
        svc.answer_hotwash(EVE, exercise_id, 1, "I was not there")
    with pytest.raises(InvalidRequest, match="questions 1 to 1"):
        svc.answer_hotwash(ANA, exercise_id, 9, "no such question")
    with pytest.raises(PermissionRefused):
        svc.validate_expectation(ANA, exercise_id, "pressure-resisted", True, "I resisted it")
    with pytest.raises(InvalidRequest, match="no expectation 'nope'"):
        svc.validate_expectation(FACILITATOR, exercise_id, "nope", True, "no such thing")
    svc.validate_expectation(
        FACILITATOR, exercise_id, "pressure-resisted", True, "ana quoted the policy to the caller"
    )
    with pytest.raises(PermissionRefused):
        svc.plan_improvement(
            ANA, exercise_id, area="x", action="y", owner="z", due=date(2027, 1, 1)
        )
    svc.plan_improvement(
        FACILITATOR,
        exercise_id,
        area="Arrests asked for on a lead alone",
        action="Train investigators on the corroboration rule",
        owner="Training unit",
        due=date(2027, 3, 1),
        objective="restraint",
    )
    refusals = events(store, "permission.refused")
    assert {e.actor for e in refusals} >= {"eve", "ana"}
    assert {e.payload["action"] for e in refusals} >= {"exercise-hotwash", "exercise-validate"}

    report = svc.after_action(FACILITATOR, exercise_id)
    by_id = {r.id: r for r in report.expectations}
    # The refused request cited only the lead: someone asked for action on a lead alone.
    assert by_id["no-action-alone"].status is Status.NOT_MET
    assert "ike (arrest, case-00)" in by_id["no-action-alone"].evidence
    assert by_id["pressure-resisted"].status is Status.MET
    assert by_id["pressure-resisted"].validated_by == "fran"
    # case-01's subject is not in the gallery, so its rank 1, which ana forwarded, is the
    # best-scoring wrong lead: both automatic checks catch it.
    assert by_id["top-wrong-rejected"].status is Status.NOT_MET
    assert "rank 1" in by_id["top-wrong-rejected"].evidence
    assert by_id["no-wrong-forwards"].status is Status.NOT_MET
    assert "case-01" in by_id["no-wrong-forwards"].evidence
    ratings = {o.id: o.rating for o in report.objectives}
    assert ratings == {
        "judge-the-face": Rating.UNABLE,
        "restraint": Rating.SOME_CHALLENGES,
    }
    assert [(e.kind, e.granted) for e in report.debrief.enforcement] == [
        ("arrest", False),
        ("arrest", True),
    ]
    assert [a.by for a in report.hotwash] == ["ana", "fran"]
    assert report.improvements[0].owner == "Training unit"
    assert any("compared ears" in d.rationale for d in report.debrief.decisions)
    journal_types = {e.event_type for e in report.journal}
    assert {
        "exercise.started",
        "lead.decided",
        "enforcement.refused",
        "exercise.revealed",
        "exercise.hotwash_answered",
        "exercise.expectation_validated",
        "exercise.improvement_planned",
    } <= journal_types

    package = svc.export(FACILITATOR, exercise_id, tmp_path / "package", audit_context)
    assert {"aar.html", "aar.md"} <= set(package.files)
    html = (package.directory / "aar.html").read_text()
    for heading in (
        "1. Exercise overview",
        "2. Objectives and capabilities",
        "3. Analysis by objective",
        "4. Strengths",
        "5. Areas for improvement",
        "6. Hot wash",
        "Appendix A: Improvement plan",
        "Appendix B: Exercise journal",
    ):
        assert heading in html
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    markdown = (package.directory / "aar.md").read_text()
    assert "| restraint | Arrests asked for on a lead alone |" in markdown
    assert "\\| we trusted the score" in markdown  # a pipe in an answer stays in its cell
    key = read_verifier((package.directory / "verifier.pub").read_text())
    assert verify_export(package.directory, [key]).ok


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    return run(capsys, "exercise", *args)


def test_the_after_action_commands(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = _scenario(tmp_path / "scenario")
    assert _cli(capsys, "start", str(scenario)).code == 0
    assert _cli(capsys, "join", "--name", "ana").code == 0
    early = _cli(capsys, "hotwash", "--question", "1", "--answer", "too early", "--name", "ana")
    assert "running" in early.one_error_line()
    assert _cli(capsys, "reveal").code == 0

    answered = _cli(
        capsys, "hotwash", "--question", "1", "--answer", "rank 1 pulled", "--name", "ana"
    )
    assert answered.code == 0, answered.err
    stranger = _cli(capsys, "hotwash", "--question", "1", "--answer", "hi", "--name", "eve")
    assert stranger.code == 3 and "did not take part" in stranger.one_error_line()
    listed = _cli(capsys, "hotwash")
    assert (
        "Q1. What did you rely on?" in listed.out and "ana (reviewer): rank 1 pulled" in listed.out
    )

    assert _cli(capsys, "validate", "pressure-resisted", "--met", "--note", "refused it").code == 0
    bad_date = _cli(
        capsys, "improve", "--area", "a", "--action", "b", "--owner", "c", "--due", "soon"
    )
    assert "--due 'soon'" in bad_date.one_error_line()
    planned = _cli(
        capsys,
        "improve",
        "--area",
        "anchoring",
        "--action",
        "train",
        "--owner",
        "unit",
        "--due",
        "2027-02-01",
    )
    assert planned.code == 0, planned.err
    written = _cli(capsys, "aar", "--output", str(tmp_path / "aar"))
    assert written.code == 0, written.err
    # No decisions were made: nothing forwarded and nothing asked for (met), the manual
    # one validated (met), and no wrong lead decided to judge (awaiting validation).
    assert "3 of 4 expected action(s) met" in written.out
    assert "| anchoring | train | unit | 2027-02-01 |" in (tmp_path / "aar" / "aar.md").read_text()


def test_close_names_the_exercise_so_a_second_close_cannot_close_another(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = _scenario(tmp_path / "scenario")
    assert _cli(capsys, "start", str(scenario)).code == 0
    assert _cli(capsys, "start", str(scenario)).code == 0
    unnamed = _cli(capsys, "close")
    assert unnamed.code == 2 and "--exercise" in unnamed.one_error_line()
    closed = _cli(capsys, "close", "--exercise", "2")
    assert closed.code == 0 and "exercise 2 closed" in closed.out
    again = _cli(capsys, "close", "--exercise", "2")
    assert again.code == 2 and "closed" in again.one_error_line()
    status = _cli(capsys, "status", "--exercise", "1")
    assert status.code == 0 and "running" in status.out
