"""Conditional injects: released by the exercise clock once a case is decided or a lead
forwarded, never before, once only, with the condition on record; a condition naming an
unknown case is refused when the scenario is read, as one line naming the field."""

from pathlib import Path

import pytest

from leadreview.domain.decision import DecisionKind
from leadreview.domain.roles import Actor, Role
from leadreview.errors import InputFileError
from leadreview.exercise.loading import load_exercise
from leadreview.exercise.system_principals import clock_name
from leadreview.exercise.world import build_exercise_world
from leadreview.store.store import Store
from tests.support.exercise import FACILITATOR, events, service, table_rows, write_scenario

ANA = Actor(name="ana", role=Role.REVIEWER)

CHAINED = """\
  - id: decided
    kind: note
    title: "Case decided"
    text: "A first decision on case-01."
    release: {when: case_decided, case: case-01}
  - id: forwarded
    kind: pressure
    title: "Arrest him now"
    text: "The lead on case-01 was forwarded; make the arrest."
    release: {when: lead_forwarded, case: case-01}
"""


def _chained(folder: Path, case: str = "case-01") -> Path:
    path = write_scenario(folder, cases=2)
    text = path.read_text().replace("debrief_questions:", CHAINED + "debrief_questions:")
    path.write_text(text.replace("case: case-01", f"case: {case}"))
    return path


def _released(store: Store) -> dict[str, str]:
    return {
        e.payload["inject_key"]: e.payload["trigger"]
        for e in events(store, "exercise.inject_released")
    }


def test_injects_follow_play_not_the_clock(store: Store, tmp_path: Path) -> None:
    svc = service(store)
    world = build_exercise_world(load_exercise(_chained(tmp_path / "s")))
    exercise_id = svc.start(FACILITATOR, world).exercise_id
    svc.join(ANA, exercise_id)
    svc.assign(FACILITATOR, exercise_id)
    # Time alone releases only the scheduled inject.
    assert svc.release_due(exercise_id) == ["pressure"]
    assert set(_released(store)) == {"pressure"}

    # The board knows cases by number only; the facilitator's table maps the keys.
    keys = {c["case_id"]: c["case_key"] for c in table_rows(store, "exercise_case")}
    board = {keys[c.case_id]: c for c in svc.board(ANA, exercise_id).cases}
    # The board names each lead's rank and Similarity, as the lead rows hold them.
    for case in board.values():
        assert [p.lead_id for p in case.pending] == list(case.pending_leads)
        for pending in case.pending:
            [row] = table_rows(store, "lead", id=pending.lead_id)
            assert (pending.rank, pending.similarity) == (row["rank"], row["similarity"])
    # A decision on the other case releases nothing.
    other = board["case-00"].pending_leads[0]
    svc.decide(ANA, exercise_id, other, DecisionKind.NOT_A_MATCH, "the jaw is different")
    assert svc.release_due(exercise_id) == []

    first, second = board["case-01"].pending_leads[:2]
    # The decision the condition waits for releases it, without the console's poll.
    svc.decide(ANA, exercise_id, first, DecisionKind.NOT_A_MATCH, "the ears do not match")
    assert _released(store)["decided"] == "condition case_decided:case-01"
    assert svc.release_due(exercise_id) == []  # once

    lead = svc.decide(ANA, exercise_id, second, DecisionKind.POSSIBLE_LEAD, "same scar and nose")
    assert lead.status.value == "forwarded"
    assert _released(store)["forwarded"] == "condition lead_forwarded:case-01"
    progress = svc.progress(FACILITATOR, exercise_id)
    out = {i.inject_key: i for i in progress.injects}
    assert out["forwarded"].released_at is not None
    assert out["forwarded"].condition == "lead_forwarded:case-01"
    assert svc.release_due(exercise_id) == []
    rows = table_rows(store, "exercise_inject", exercise_id=exercise_id, inject_key="forwarded")
    # The exercise's clock released it, not whoever happened to run a command.
    assert rows[0]["released_by"] == clock_name(exercise_id)
    assert [e.payload["inject_key"] for e in events(store, "exercise.inject_released")].count(
        "forwarded"
    ) == 1
    # Released, it reaches the participant's board.
    assert "forwarded" in {i.inject_key for i in svc.board(ANA, exercise_id).injects}


def test_a_condition_on_an_unknown_case_names_the_field(tmp_path: Path) -> None:
    path = _chained(tmp_path / "s", case="case-77")
    with pytest.raises(InputFileError) as raised:
        load_exercise(path)
    message = raised.value.message
    assert "injects.2.release.case" in message and "case-77" in message
    assert "\n" not in message
