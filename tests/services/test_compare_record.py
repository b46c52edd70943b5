"""`compare --record`: every seed's searches as a batch run, and simulated reviewers'
decisions through the review workflow, all in the configured database's audit log."""

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from leadreview.audit.models import AuditEvent
from leadreview.audit.service import verify_store
from leadreview.domain.policy import UseCase
from leadreview.domain.roles import Actor, Role
from leadreview.errors import PermissionRefused
from leadreview.store.store import Store
from leadreview.store.tables.workflow import BatchRunRow, CaseRow, DecisionRow, LeadRow
from leadreview.workflow.batch import BatchSearch, record_batch
from leadreview.workflow.batch_cases import open_batch_cases
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.errors import InvalidRequest
from tests.support.batches import searches
from tests.support.cli import principal_of
from tests.support.workflow import count, events, policy_set, rows

PROBES = 12
SHOWN = 5  # wcso-practice, the policy in force, shows the top 5
PROFILES = ("trained-examiner", "untrained")


def payload(event: AuditEvent) -> Any:
    return json.loads(event.payload_json)


def compare(database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "LEADREVIEW_CONFIG": str(tmp_path / "config.toml"),
        "LEADREVIEW_DATA_DIR": str(tmp_path / "data"),
        "LEADREVIEW_DATABASE_URL": database_url,
    }
    return subprocess.run(
        [sys.executable, "-m", "leadreview", "compare", *args],
        capture_output=True, text=True, timeout=600, check=False, env=env,
    )  # fmt: skip


def test_compare_record_writes_every_seed_and_the_simulated_decisions(
    store: Store, database_url: str, tmp_path: Path
) -> None:
    output = tmp_path / "comparison.json"
    result = compare(
        database_url, tmp_path,
        "--record", "--scenario", "aclu-2018", "--gallery-size", "2000",
        "--probes", str(PROBES), "--seed", "5", "--seeds", "2",
        "--format", "json", "--output", str(output),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(output.read_text())["seeds"] == [5, 6]

    # Every seed is a batch run of its own, recorded by the analyst.
    runs = rows(store, BatchRunRow)
    assert [r["label"] for r in runs] == ["compare aclu-2018 seed 5", "compare aclu-2018 seed 6"]
    batch_events = events(store, "batch.recorded")
    # The principal: the OS user on SQLite, the login on PostgreSQL.
    me = principal_of(store)
    assert [(e.actor, e.role) for e in batch_events] == [(me, "analyst")] * 2
    assert count(store, LeadRow, status="batch") == 2 * PROBES * 10

    # The first seed's searches, opened as cases once per profile by the facilitator.
    assert count(store, CaseRow) == PROBES * len(PROFILES)
    opened = events(store, "case.opened")
    assert {(e.actor, e.role) for e in opened} == {(me, "facilitator")}
    assert {payload(e)["opened_from"]["batch_run_id"] for e in opened} == {runs[0]["id"]}

    # Every shown lead decided by each profile's simulated reviewer, through the workflow.
    decided = events(store, "lead.decided")
    actors = Counter((e.actor, e.role) for e in decided)
    assert actors == {(f"simulated {p} seed 5", "reviewer"): PROBES * SHOWN for p in PROFILES}
    assert count(store, DecisionRow) == len(decided)
    assert all(str(payload(e)["rationale"]).startswith("simulated reviewer '") for e in decided)

    # The run closes with one event naming the models behind the simulated decisions.
    (summary,) = events(store, "comparison.recorded")
    closing = payload(summary)
    assert closing["seeds"] == [5, 6]
    reviews = closing["simulated_reviews"]
    assert [r["profile"] for r in reviews] == list(PROFILES)
    for review in reviews:
        assert sum(review["decisions"].values()) == PROBES * SHOWN
        assert len(review["profile_sha256"]) == 64
    assert verify_store(store).ok


def test_only_a_role_that_may_open_cases_opens_a_batch_run_as_cases(
    ctx: WorkflowContext, policy_dir: Path, store: Store
) -> None:
    analyst = Actor(name="ana", role=Role.ANALYST)
    facilitator = Actor(name="ana", role=Role.FACILITATOR)
    items = searches(3, 4)
    policies = policy_set(policy_dir)
    run_id = record_batch(
        ctx, analyst, policies, items, label="t", use_case=UseCase.INVESTIGATION,
        collection_id="c", max_faces=4,
    ).batch_run_id  # fmt: skip

    def open_as(actor: Actor, given: list[BatchSearch]) -> list[int]:
        return open_batch_cases(
            ctx, actor, policies, run_id, given, offense="sim",
            use_case=UseCase.INVESTIGATION, collection_id="c", max_faces=4,
        )  # fmt: skip

    with pytest.raises(PermissionRefused):
        open_as(analyst, items)
    with pytest.raises(InvalidRequest, match="not the run's"):
        open_as(facilitator, items[:2])
    assert count(store, CaseRow) == 0
    assert len(open_as(facilitator, items)) == 3
    assert count(store, LeadRow, status="awaiting-review") == 3 * 4
    assert len(events(store, "search.recorded")) == 2 * 3  # the run's, then the cases'
