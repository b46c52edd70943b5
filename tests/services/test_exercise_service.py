"""Running an exercise through the service, on SQLite and PostgreSQL: rows, audit events
naming the actor, refusals audited, the reveal, the debrief and the export package."""

import json
from pathlib import Path

import pytest

from leadreview.audit.export import verify_export
from leadreview.audit.keys import read_verifier
from leadreview.audit.models import AuditEvent
from leadreview.audit.service import AuditContext, verify_store
from leadreview.domain.decision import DecisionKind
from leadreview.domain.roles import Actor, Role
from leadreview.errors import PermissionRefused
from leadreview.exercise.service import ExerciseService
from leadreview.exercise.world import ExerciseWorld
from leadreview.store.store import Store
from leadreview.workflow.errors import InvalidRequest
from tests.support.exercise import FACILITATOR, events, service, small_world, table_rows

ANA = Actor(name="ana", role=Role.REVIEWER)
BEN = Actor(name="ben", role=Role.REVIEWER)


def test_an_exercise_from_start_to_export(
    store: Store, tmp_path: Path, audit_context: AuditContext
) -> None:
    world = small_world(tmp_path / "scenario")
    svc = service(store)
    started = svc.start(FACILITATOR, world)
    exercise_id = started.exercise_id

    [row] = table_rows(store, "exercise")
    assert row["status"] == "running" and row["scenario_name"] == "small-drill"
    assert row["scenario_sha256"] == world.exercise.sha256
    cases = table_rows(store, "exercise_case", exercise_id=exercise_id)
    assert [c["case_key"] for c in cases] == [f"case-{n:02d}" for n in range(4)]
    assert sorted(c["case_id"] for c in cases) == sorted(started.case_ids)
    assert [c["mated"] for c in cases] == [True, False, True, False]
    [start_event] = events(store, "exercise.started")
    assert start_event.actor == "fran" and start_event.role == "facilitator"
    assert len(events(store, "case.opened")) == 4
    # No ground truth in the log before the reveal: only its digest.
    assert "mate_face_id" not in start_event.payload_json

    for person in (ANA, BEN):
        svc.join(person, exercise_id)
    assert len(svc.assign(FACILITATOR, exercise_id)) == 4
    assignments = table_rows(store, "exercise_assignment")
    assert len(assignments) == 4 and {a["assigned_by"] for a in assignments} == {"fran"}
    joined = events(store, "exercise.joined")
    assert [e.actor for e in joined] == ["ana", "ben"]

    _everyone_decides_everything(svc, store, exercise_id)

    progress = svc.progress(FACILITATOR, exercise_id)
    by_name = {p.name: p for p in progress.participants}
    assert by_name["ana"].decisions_made == 10 and by_name["ana"].decisions_pending == 0
    assert progress.cases_complete == 4
    # The scheduled inject (after 0 minutes) went out with the status call, the manual not.
    released = {i.inject_key: i.released_by for i in progress.injects}
    # ...released by the exercise's clock, not by the facilitator who happened to look.
    assert released == {"pressure": f"exercise-{exercise_id}-clock", "receipt": None}
    assert svc.release_inject(FACILITATOR, exercise_id, "receipt") is True
    assert svc.release_inject(FACILITATOR, exercise_id, "receipt") is False
    triggers = [e.payload["trigger"] for e in events(store, "exercise.inject_released")]
    assert triggers == ["schedule", "manual"]

    _reveal_debrief_and_export(svc, store, exercise_id, start_event, world, tmp_path, audit_context)

    svc.close(FACILITATOR, exercise_id)
    assert table_rows(store, "exercise")[0]["status"] == "closed"
    [closed] = events(store, "exercise.closed")
    assert closed.actor == "fran" and closed.payload["revealed_before_closing"] is True
    with pytest.raises(InvalidRequest):
        svc.join(Actor(name="late", role=Role.REVIEWER), exercise_id)
    assert verify_store(store).ok


def _everyone_decides_everything(svc: ExerciseService, store: Store, exercise_id: int) -> None:
    decided = 0
    for person in (ANA, BEN):
        board = svc.board(person, exercise_id)
        assert len(board.cases) == 2
        for case in board.cases:
            for lead_id in case.pending_leads:
                kind = DecisionKind.POSSIBLE_LEAD if decided % 4 == 0 else DecisionKind.NOT_A_MATCH
                svc.decide(person, exercise_id, lead_id, kind, "compared ears and hairline")
                decided += 1
    assert decided == 20  # 4 cases x 5 leads, all shown under wcso-practice
    assert len(table_rows(store, "decision")) == 20
    lead_events = events(store, "lead.decided")
    assert len(lead_events) == 20 and {e.actor for e in lead_events} == {"ana", "ben"}


def _reveal_debrief_and_export(
    svc: ExerciseService,
    store: Store,
    exercise_id: int,
    start_event: AuditEvent,
    world: ExerciseWorld,
    tmp_path: Path,
    audit_context: AuditContext,
) -> None:
    with pytest.raises(InvalidRequest):
        svc.debrief(FACILITATOR, exercise_id)  # not before the reveal
    reveal = svc.reveal(FACILITATOR, exercise_id)
    [revealed] = events(store, "exercise.revealed")
    assert revealed.payload["truth_sha256"] == start_event.payload["truth_sha256"]
    assert reveal.truth_sha256 == start_event.payload["truth_sha256"]
    assert [c.mated for c in reveal.cases] == [True, False, True, False]

    debrief = svc.debrief(FACILITATOR, exercise_id)
    assert debrief.team.decisions == 20
    assert sum(p.decisions for p in debrief.participants) == 20
    mates = {c.truth.mate_face_id for c in debrief.cases if c.truth.mated}
    wrong_forwards = [
        d for d in debrief.decisions if d.kind is DecisionKind.POSSIBLE_LEAD and not d.is_mate
    ]
    assert debrief.team.wrongful_forwards == len(wrong_forwards)
    assert all(d.seconds_taken is not None and d.seconds_taken >= 0 for d in debrief.decisions)
    assert sum(b.decisions for b in debrief.bands) == 20
    effects = {e.policy: e for e in debrief.policies}
    assert effects["wcso-practice"].in_force and effects["wcso-practice"].mates_hidden == 0
    assert effects["amazon-documented-99"].wrongful_forwards_prevented == sum(
        "amazon-documented-99" in d.filtered_by for d in wrong_forwards
    )
    assert len(mates) == 2

    package = svc.export(FACILITATOR, exercise_id, tmp_path / "package", audit_context)
    folder = package.directory
    for name in ("report.html", "debrief.json", "events.jsonl", "scenario.yaml", "README.md"):
        assert (folder / name).is_file(), name
    assert (folder / "scenario.yaml").read_bytes() == world.exercise.data
    assert json.loads((folder / "debrief.json").read_text())["team"]["decisions"] == 20
    assert "What did you rely on?" in (folder / "report.html").read_text()
    key = read_verifier(str(folder / "verifier.pub"))
    report = verify_export(folder, [key])
    assert report.ok, report.lines()


def test_only_a_facilitator_runs_an_exercise_and_refusals_are_audited(
    store: Store, tmp_path: Path
) -> None:
    svc = service(store)
    world = small_world(tmp_path / "scenario", reviewers=1)
    supervisor = Actor(name="sam", role=Role.SUPERVISOR)
    with pytest.raises(PermissionRefused):
        svc.start(supervisor, world)  # supervisors may open exercises, not run them
    assert table_rows(store, "exercise") == []
    assert table_rows(store, "review_case") == []
    exercise_id = svc.start(FACILITATOR, world).exercise_id

    refused: list[tuple[str, str]] = []
    for actor, attempt in (
        (ANA, lambda: svc.reveal(ANA, exercise_id)),
        (ANA, lambda: svc.close(ANA, exercise_id)),
        (ANA, lambda: svc.release_inject(ANA, exercise_id, "receipt")),
        (FACILITATOR, lambda: svc.join(FACILITATOR, exercise_id)),
    ):
        with pytest.raises(PermissionRefused):
            attempt()
        refused.append((actor.name, actor.role.value))
    svc.join(ANA, exercise_id)
    with pytest.raises(PermissionRefused):
        svc.join(BEN, exercise_id)  # one reviewer seat only
    refused.append(("ben", "reviewer"))

    refusals = events(store, "permission.refused")
    assert [(e.actor, e.role) for e in refusals] == [("sam", "supervisor"), *refused]
    assert [e.payload["action"] for e in refusals] == [
        "exercise-start",
        "exercise-reveal",
        "exercise-close",
        "exercise-inject",
        "exercise-join",
        "exercise-join",
    ]
    assert len(table_rows(store, "exercise_participant")) == 1
    assert table_rows(store, "exercise")[0]["status"] == "running"
    assert verify_store(store).ok


def test_a_participant_decides_only_assigned_cases_and_two_reviewers_must_agree(
    store: Store, tmp_path: Path
) -> None:
    svc = service(store)
    world = small_world(tmp_path / "scenario", cases=2, two_reviewers=True)
    exercise_id = svc.start(FACILITATOR, world).exercise_id
    cleo = Actor(name="cleo", role=Role.REVIEWER)
    for person in (ANA, BEN, cleo):
        svc.join(person, exercise_id)
    made = svc.assign(FACILITATOR, exercise_id)
    # Round robin gives each case to two people: the policy in force needs two.
    assert [(a.case_key, a.participant) for a in made] == [
        ("case-00", "ana"),
        ("case-00", "ben"),
        ("case-01", "cleo"),
        ("case-01", "ana"),
    ]
    first_lead = svc.board(BEN, exercise_id).cases[0].pending_leads[0]
    with pytest.raises(PermissionRefused, match="not assigned"):
        svc.decide(cleo, exercise_id, first_lead, DecisionKind.NOT_A_MATCH, "not mine")
    [refused] = [e for e in events(store, "permission.refused") if e.actor == "cleo"]
    assert refused.payload["action"] == "exercise-decide"
    svc.decide(ANA, exercise_id, first_lead, DecisionKind.POSSIBLE_LEAD, "same nose")
    lead = svc.decide(BEN, exercise_id, first_lead, DecisionKind.POSSIBLE_LEAD, "agreed, same nose")
    assert lead.status.value == "forwarded"
    rows = table_rows(store, "decision", lead_id=first_lead)
    assert len(rows) == 2
    # By hand, the facilitator can add cleo to case-00 too.
    extra = svc.assign(FACILITATOR, exercise_id, case_key="case-00", participant="cleo")
    assert [(a.case_key, a.participant) for a in extra] == [("case-00", "cleo")]
    assert len(table_rows(store, "exercise_assignment")) == 5
