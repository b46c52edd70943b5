"""Fixtures for the service tests: the bundled policies plus a two-reviewer one in a
folder of the test's own, and the workflow over the shared `store` fixture (SQLite and
PostgreSQL) with a simulated Rekognition whose probe gives known similarities."""

import shutil
from pathlib import Path

import pytest

from leadreview.audit.log import AuditLog
from leadreview.policy.loader import bundled_policy_paths
from leadreview.store.store import Store
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.service import ReviewWorkflow
from tests.support.workflow import TWO_REVIEWERS_POLICY, make_backend, policy_set


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "policies"
    folder.mkdir()
    for path in bundled_policy_paths():
        shutil.copy(path, folder / path.name)
    (folder / "two-reviewers.yaml").write_text(TWO_REVIEWERS_POLICY)
    return folder


@pytest.fixture
def ctx(store: Store) -> WorkflowContext:
    return WorkflowContext(store=store, audit=AuditLog())


@pytest.fixture
def workflow(ctx: WorkflowContext, policy_dir: Path) -> ReviewWorkflow:
    return ReviewWorkflow(ctx=ctx, policies=policy_set(policy_dir), backend=make_backend())
