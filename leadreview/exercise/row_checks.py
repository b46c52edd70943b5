"""Exercise rows checked against the log (P15): the exercise, its sealed ground truth,
participants, assignments and injects must be what the exercise's events recorded.

The ground truth is checked through the digest `exercise.started` published: a changed
`exercise_case` row (say `mated` flipped before the debrief) no longer hashes to it.
"""

import hashlib
import json
from collections import defaultdict
from typing import Any

from sqlmodel import Session

from leadreview.audit.verdict import Break, BreakKind
from leadreview.exercise import records
from leadreview.exercise.records import ExerciseEvent, Status
from leadreview.store.store import Store
from leadreview.store.tables.exercise import (
    ExerciseAssignmentRow,
    ExerciseCaseRow,
    ExerciseInjectRow,
    ExerciseParticipantRow,
    ExerciseRow,
)
from leadreview.store.undecodable import undecodable_column, undecodable_line
from leadreview.workflow.row_checks import check_working_rows
from leadreview.workflow.row_log import Disagreement, events_of, rows_of


def check_exercise_rows(session: Session) -> list[Disagreement]:
    by_type: dict[str, list[tuple[int, str, dict[str, Any]]]] = defaultdict(list)
    for event in events_of(session, [e.value for e in ExerciseEvent]):
        try:
            payload = json.loads(event.payload_json)
            int(payload["exercise_id"])
        except (ValueError, KeyError, TypeError):
            continue  # describes no exercise row (a tampered payload is the chain's finding)
        by_type[event.event_type].append((event.seq, event.actor, payload))
    started = {int(p["exercise_id"]): (seq, p) for seq, _, p in by_type[ExerciseEvent.STARTED]}
    out: list[Disagreement] = []
    seen: set[int] = set()
    for exercise in rows_of(session, ExerciseRow):
        key = exercise["id"]
        seen.add(key)
        if key not in started:
            out.append(Disagreement("exercise", str(key), "no exercise.started event records it"))
            continue
        seq, payload = started[key]
        _check_exercise(session, exercise, seq, payload, by_type, out)
    for key in sorted(set(started) - seen):
        out.append(
            Disagreement("exercise", str(key), f"recorded by event {started[key][0]} but gone")
        )
    _check_participants(session, by_type, out)
    _check_assignments(session, by_type, out)
    _check_injects(session, by_type, out)
    return out


def _check_exercise(
    session: Session,
    exercise: Any,
    seq: int,
    payload: dict[str, Any],
    by_type: dict[str, list[tuple[int, str, dict[str, Any]]]],
    out: list[Disagreement],
) -> None:
    key = str(exercise["id"])
    scenario = payload.get("scenario", {})
    text_digest = hashlib.sha256(exercise["scenario_text"].encode("utf-8")).hexdigest()
    for name, stored, recorded in (
        ("scenario", exercise["scenario_name"], scenario.get("name")),
        ("scenario_sha256", exercise["scenario_sha256"], scenario.get("sha256")),
        ("scenario text (its SHA-256)", text_digest, scenario.get("sha256")),
        ("seed", exercise["seed"], payload.get("seed")),
        (
            "policy in force",
            exercise["policy_in_force"],
            (payload.get("policy_in_force") or {}).get("name"),
        ),
        ("assignment", exercise["assignment"], payload.get("assignment")),
    ):
        if stored != recorded:
            out.append(
                Disagreement(
                    "exercise", key, f"{name} is {stored!r} but event {seq} recorded {recorded!r}"
                )
            )
    cases = sorted(
        (c["case_key"], c["case_id"])
        for c in rows_of(session, ExerciseCaseRow)
        if c["exercise_id"] == exercise["id"]
    )
    recorded_cases = sorted((c["case_key"], c["case_id"]) for c in payload.get("cases", []))
    if cases != recorded_cases:
        out.append(
            Disagreement(
                "exercise", key, f"its cases are {cases} but event {seq} recorded {recorded_cases}"
            )
        )
    truths = [records.truth_payload(v) for v in records.truth_views(session, exercise["id"])]
    if records.truth_digest(truths) != payload.get("truth_sha256"):
        out.append(
            Disagreement(
                "exercise",
                key,
                f"its ground truth (exercise_case rows) no longer hashes to the digest "
                f"event {seq} sealed: the truth was changed",
            )
        )
    ended = {
        Status.REVEALED.value: ExerciseEvent.REVEALED,
        Status.CLOSED.value: ExerciseEvent.CLOSED,
    }
    for status, event_type in ended.items():
        logged = any(p.get("exercise_id") == exercise["id"] for _, _, p in by_type[event_type])
        if exercise[f"{status}_at"] is not None and not logged:
            out.append(Disagreement("exercise", key, f"marked {status} but no {event_type}"))
    if exercise["status"] == Status.RUNNING.value and any(
        p.get("exercise_id") == exercise["id"] for _, _, p in by_type[ExerciseEvent.CLOSED]
    ):
        out.append(Disagreement("exercise", key, "running, but the log records it closed"))


def _check_participants(
    session: Session,
    by_type: dict[str, list[tuple[int, str, dict[str, Any]]]],
    out: list[Disagreement],
) -> None:
    joined = {
        int(p["participant_id"]): (seq, actor)
        for seq, actor, p in by_type[ExerciseEvent.JOINED]
        if isinstance(p.get("participant_id"), int)
    }
    for person in rows_of(session, ExerciseParticipantRow):
        recorded = joined.get(person["id"])
        if recorded is None:
            out.append(Disagreement("participant", str(person["id"]), "no exercise.joined event"))
        elif recorded[1] != person["name"]:
            out.append(
                Disagreement(
                    "participant",
                    str(person["id"]),
                    f"name is {person['name']!r} but event {recorded[0]} recorded {recorded[1]!r}",
                )
            )


def _check_assignments(
    session: Session,
    by_type: dict[str, list[tuple[int, str, dict[str, Any]]]],
    out: list[Disagreement],
) -> None:
    recorded = {
        (a.get("case_id"), a.get("participant"))
        for _, _, p in by_type[ExerciseEvent.ASSIGNED]
        for a in p.get("assignments", [])
        if isinstance(a, dict)
    }
    case_ids = {c["id"]: c["case_id"] for c in rows_of(session, ExerciseCaseRow)}
    people = {p["id"]: p["name"] for p in rows_of(session, ExerciseParticipantRow)}
    stored = {
        (case_ids.get(a["exercise_case_id"]), people.get(a["participant_id"])): a["id"]
        for a in rows_of(session, ExerciseAssignmentRow)
    }
    for pair, row_id in sorted(stored.items(), key=lambda item: item[1]):
        if pair not in recorded:
            out.append(
                Disagreement(
                    "assignment",
                    str(row_id),
                    f"case {pair[0]} to {pair[1]!r}: no exercise.assigned event records it",
                )
            )
    for case_id, person in sorted(recorded - set(stored), key=str):
        out.append(Disagreement("assignment", f"case {case_id} to {person!r}", "recorded but gone"))


def _check_injects(
    session: Session,
    by_type: dict[str, list[tuple[int, str, dict[str, Any]]]],
    out: list[Disagreement],
) -> None:
    released = {
        (p["exercise_id"], p.get("inject_key"))
        for _, _, p in by_type[ExerciseEvent.INJECT_RELEASED]
    }
    for inject in rows_of(session, ExerciseInjectRow):
        pair = (inject["exercise_id"], inject["inject_key"])
        if (inject["released_at"] is not None) != (pair in released):
            state = "released" if inject["released_at"] is not None else "not released"
            out.append(
                Disagreement(
                    "inject",
                    f"{pair[1]} of exercise {pair[0]}",
                    f"{state}, but the log says otherwise",
                )
            )


def check_all_rows(session: Session) -> list[Disagreement]:
    """The workflow's rows, the exercises' rows and the policy files, against the log."""
    return [*check_working_rows(session), *check_exercise_rows(session)]


def row_breaks(store: Store) -> list[Break]:
    """Working rows and policy files that disagree with the log, as breaks of no event:
    what `audit verify` and `report audit` add to the chain's own findings."""
    try:
        with store.reading() as session:
            found = check_all_rows(session)
    except Exception as error:
        column = undecodable_column(error)
        if column is None:
            raise
        # The chain's walk names the event; the rows cannot be compared with it.
        detail = f"the working rows were not compared with the log: {undecodable_line(column)}"
        return [Break(0, BreakKind.MALFORMED, detail)]
    return [
        Break(
            0,
            BreakKind.POLICY_FILE_CHANGED if d.policy_file else BreakKind.ROW_DISAGREES,
            d.line(),
        )
        for d in found
    ]
