"""Ten participants deciding at once, each in its own process with its own engine, on
SQLite and PostgreSQL: no decision lost or duplicated, and the audit chain verifies.

Every participant races for every lead (open play): exactly one decision per lead may
win, and every win a participant was told of must be a row and an event.
"""

import multiprocessing
from pathlib import Path

import sqlalchemy as sa

from leadreview.audit.canonical import GENESIS_DIGEST
from leadreview.audit.service import verify_store
from leadreview.domain.decision import DecisionKind
from leadreview.domain.roles import Actor, Role
from leadreview.store.store import Store, open_store
from leadreview.workflow.errors import DecisionConflict, LeadNotOpen
from tests.support.exercise import FACILITATOR, events, service, small_world, table_rows

PARTICIPANTS = 10
CASES = 6
# Bounded, not timed: a hung backend fails the test instead of hanging the suite.
DEADLINE_SECONDS = 300


def participant(args: tuple[str, int, int]) -> tuple[str, list[int]]:
    """Join, then try to decide every lead of the exercise; the lead ids this one won."""
    url, exercise_id, number = args
    store = open_store(url=url)
    actor = Actor(name=f"participant-{number:02d}", role=Role.REVIEWER)
    won: list[int] = []
    try:
        svc = service(store)
        svc.join(actor, exercise_id)
        leads = [
            lead for case in svc.board(actor, exercise_id).cases for lead in case.pending_leads
        ]
        # Each starts at a different lead so that the races are real ones.
        # (A latecomer may find every lead already decided.)
        shift = number * 3 % len(leads) if leads else 0
        for lead_id in leads[shift:] + leads[:shift]:
            kind = (
                DecisionKind.POSSIBLE_LEAD
                if (lead_id + number) % 3 == 0
                else DecisionKind.NOT_A_MATCH
            )
            try:
                svc.decide(actor, exercise_id, lead_id, kind, f"decided by {actor.name}")
            except (DecisionConflict, LeadNotOpen):
                continue
            won.append(lead_id)
    finally:
        store.dispose()
    return actor.name, won


def test_ten_participants_deciding_at_once_lose_and_duplicate_nothing(
    store: Store, database_url: str, tmp_path: Path
) -> None:
    world = small_world(tmp_path / "scenario", cases=CASES, assignment="open")
    exercise_id = service(store).start(FACILITATOR, world).exercise_id
    before = len(events(store))

    context = multiprocessing.get_context("fork")
    with context.Pool(PARTICIPANTS) as pool:
        pending = pool.map_async(
            participant, [(database_url, exercise_id, n) for n in range(PARTICIPANTS)]
        )
        results = pending.get(timeout=DEADLINE_SECONDS)

    wins = {lead: name for name, won in results for lead in won}
    total_wins = sum(len(won) for _, won in results)
    leads = table_rows(store, "lead")
    decisions = table_rows(store, "decision")
    assert len(leads) == CASES * 5
    # Not lost: every lead was decided, each by exactly the participant told it won.
    assert total_wins == len(wins) == len(leads) == len(decisions)
    assert len({d["lead_id"] for d in decisions}) == len(decisions)
    reviewers = {r["id"]: r["name"] for r in table_rows(store, "reviewer")}
    assert {d["lead_id"]: reviewers[d["reviewer_id"]] for d in decisions} == wins
    # One decision each: every lead moved on exactly one version from where it opened.
    assert len({lead["version"] for lead in leads}) == 1
    assert all(lead["status"] in ("forwarded", "rejected") for lead in leads)

    decided = events(store, "lead.decided")
    assert sorted(int(str(e.payload["lead_id"])) for e in decided) == sorted(wins)
    assert {e.actor for e in decided} <= {f"participant-{n:02d}" for n in range(PARTICIPANTS)}
    assert len(events(store, "exercise.joined")) == PARTICIPANTS
    assert len(table_rows(store, "exercise_participant")) == PARTICIPANTS
    # One join per participant, one event per decision, and the scenario's inject due at
    # once released by the exercise's clock exactly once, however many participants'
    # reads and decisions noticed it at the same moment. (reviewer.registered is left
    # out: on PostgreSQL the workflow's insert_if_absent reports every upsert as an insert.)
    new = [e for e in events(store)[before:] if e.event_type != "reviewer.registered"]
    assert len(new) == PARTICIPANTS + len(decisions) + 1
    [released] = events(store, "exercise.inject_released")
    assert (released.payload["inject_key"], released.auth) == ("pressure", "system-clock")
    assert len(table_rows(store, "reviewer")) == PARTICIPANTS + 1

    with store.reading() as session:
        rows = session.execute(
            sa.text("SELECT seq, prev_digest, digest FROM audit_event ORDER BY seq")
        ).all()
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    previous = GENESIS_DIGEST
    for row in rows:
        assert row.prev_digest == previous, f"fork or gap at {row.seq}"
        previous = row.digest
    assert verify_store(store).ok

    progress = service(store).progress(FACILITATOR, exercise_id)
    assert sum(p.decisions_made for p in progress.participants) == len(decisions)
    assert progress.cases_complete == CASES
