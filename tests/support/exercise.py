"""Helpers for the exercise tests: a small scenario written to a temporary file, the
service over the shared `store` fixture, and readers of rows and audit events."""

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from leadreview.audit.log import AuditLog
from leadreview.audit.models import AuditEvent
from leadreview.domain.roles import Actor, Role
from leadreview.exercise.loading import load_exercise
from leadreview.exercise.service import ExerciseService
from leadreview.exercise.world import ExerciseWorld, build_exercise_world
from leadreview.store.store import Store
from leadreview.workflow.context import WorkflowContext

FACILITATOR = Actor(name="fran", role=Role.FACILITATOR)

SMALL = """\
name: small-drill
title: "A small drill"
sources: ["test scenario"]
world:
  seed: 7
  gallery_size: 2000
  group_mix: {{white: 0.6, black: 0.2, hispanic: 0.2}}
policy_in_force: {in_force}
shadow_policies: [rekognition-default, amazon-documented-99]
policy_files: {policy_files}
roles:
  - {{role: reviewer, max: {reviewers}}}
  - {{role: supervisor, max: 1}}
assignment: {assignment}
time_limits: {{exercise_minutes: 30}}
cases:
{cases}
injects:
  - id: pressure
    kind: pressure
    title: "Make the arrest"
    text: "The top lead looks right to me."
    release: {{after_minutes: 0}}
  - id: receipt
    kind: evidence
    title: "A receipt"
    text: "Independent evidence."
    release: manual
debrief_questions: ["What did you rely on?"]
"""

CASE = """\
  - id: case-{n:02d}
    offense: "theft number {n}"
    quality: cctv
    source: "camera {n}"
    mated: {mated}
"""

TWO_REVIEWERS = """\
name: two-in-drill
title: "two reviewers"
sources: ["test policy"]
min_similarity: null
max_candidates: 5
reviewers_required: 2
allowed_use_cases: [investigation]
"""


def write_scenario(
    folder: Path,
    *,
    cases: int = 4,
    reviewers: int = 12,
    assignment: str = "round-robin",
    two_reviewers: bool = False,
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    files = "[]"
    in_force = "wcso-practice"
    if two_reviewers:
        (folder / "two.yaml").write_text(TWO_REVIEWERS)
        files, in_force = "[two.yaml]", "two-in-drill"
    body = "".join(CASE.format(n=n, mated=str(n % 2 == 0).lower()) for n in range(cases))
    path = folder / "small-drill.yaml"
    path.write_text(
        SMALL.format(
            in_force=in_force,
            policy_files=files,
            reviewers=reviewers,
            assignment=assignment,
            cases=body,
        )
    )
    return path


def small_world(folder: Path, **options: Any) -> ExerciseWorld:
    return build_exercise_world(load_exercise(write_scenario(folder, **options)))


def service(store: Store) -> ExerciseService:
    return ExerciseService(WorkflowContext(store=store, audit=AuditLog()))


def events(store: Store, event_type: str | None = None) -> list[AuditEvent]:
    with store.reading() as session:
        return AuditLog.events(session, event_type=event_type, limit=100_000)


def table_rows(store: Store, table: str, **where: Any) -> list[dict[str, Any]]:
    meta = sa.MetaData()
    target = sa.Table(table, meta, autoload_with=store.engine)
    query = sa.select(target)
    for column, value in where.items():
        query = query.where(target.c[column] == value)
    with store.reading() as session:
        return [dict(r._mapping) for r in session.execute(query).all()]
