"""Recording a batch replay: every search, lead and verdict, one event per search."""

import time
from pathlib import Path

import pytest

from leadreview.domain.policy import UseCase
from leadreview.domain.roles import Actor, Role
from leadreview.errors import PermissionRefused
from leadreview.store.store import Store
from leadreview.store.tables.workflow import (
    BatchRunRow,
    LeadRow,
    PolicyVerdictRow,
    ProbeRow,
    SearchRow,
)
from leadreview.workflow import recording
from leadreview.workflow.batch import BatchSearch, record_batch
from leadreview.workflow.context import WorkflowContext
from tests.support.batches import searches
from tests.support.workflow import (
    ALICE,
    count,
    events,
    policy_set,
    rows,
)

ANALYST = Actor(name="ana", role=Role.ANALYST)


def _record(ctx: WorkflowContext, policy_dir: Path, items: list[BatchSearch]):  # type: ignore[no-untyped-def]
    return record_batch(
        ctx,
        ANALYST,
        policy_set(policy_dir, "rekognition-default"),
        items,
        label="aclu-2018 replay",
        use_case=UseCase.INVESTIGATION,
        collection_id="arrest-photos",
        max_faces=50,
    )


def test_a_batch_writes_every_search_lead_and_verdict(
    ctx: WorkflowContext, policy_dir: Path, store: Store
) -> None:
    m, k = 300, 12  # more than one chunk of searches
    p = len(policy_set(policy_dir).policies)
    done = _record(ctx, policy_dir, searches(m, k))
    assert (done.searches, done.leads, done.verdicts) == (m, m * k, m * k * p)
    assert count(store, SearchRow, batch_run_id=done.batch_run_id) == m
    assert count(store, ProbeRow, batch_run_id=done.batch_run_id) == m
    assert count(store, LeadRow, status="batch") == m * k
    assert count(store, PolicyVerdictRow) == m * k * p
    (run,) = rows(store, BatchRunRow)
    assert (run["search_count"], run["lead_count"]) == (m, m * k)
    recorded = events(store, "search.recorded")
    assert len(recorded) == m
    assert sum(len(e.payload["leads"]) for e in recorded) == m * k
    assert {e.payload["batch_run_id"] for e in recorded} == {done.batch_run_id}
    (closing,) = events(store, "batch.recorded")
    assert closing.payload["verdict_count"] == m * k * p
    assert (closing.actor, closing.role) == ("ana", "analyst")
    # Each search's leads got their own ids, in rank order, in the event as in the table.
    first = recorded[0].payload
    lead_rows = rows(store, LeadRow, search_id=first["search_id"])
    assert [r["id"] for r in lead_rows] == [lead["lead_id"] for lead in first["leads"]]


def test_a_failed_batch_writes_nothing(
    ctx: WorkflowContext, policy_dir: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}
    original = recording.verdict_rows

    def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] > 1:  # the second chunk
            raise RuntimeError("policy engine crashed")
        return original(*args, **kwargs)

    monkeypatch.setattr(recording, "verdict_rows", failing)
    with pytest.raises(RuntimeError):
        _record(ctx, policy_dir, searches(300, 3))
    for model in (BatchRunRow, ProbeRow, SearchRow, LeadRow, PolicyVerdictRow):
        assert count(store, model) == 0
    assert events(store) == []


def test_only_analysts_and_facilitators_record_batches(
    ctx: WorkflowContext, policy_dir: Path, store: Store
) -> None:
    with pytest.raises(PermissionRefused):
        record_batch(
            ctx,
            ALICE,
            policy_set(policy_dir),
            searches(1, 1),
            label="x",
            use_case=UseCase.INVESTIGATION,
            collection_id="c",
            max_faces=5,
        )
    assert count(store, SearchRow) == 0
    (refused,) = events(store, "permission.refused")
    assert refused.payload["action"] == "record-batch"


@pytest.mark.slow
def test_recording_the_aclu_sized_replay_is_quick(
    ctx: WorkflowContext, policy_dir: Path, store: Store
) -> None:
    items = searches(535, 50)  # 535 members of Congress, up to 50 leads each
    started = time.perf_counter()
    done = _record(ctx, policy_dir, items)
    elapsed = time.perf_counter() - started
    assert done.verdicts == 535 * 50 * len(policy_set(policy_dir).policies)
    print(f"recorded {done.leads} leads, {done.verdicts} verdicts in {elapsed:.2f}s")
    assert elapsed < 30
