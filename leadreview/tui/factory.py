"""Building the app's dependencies in one place: the CLI and `serve` call this, tests pass
their own. Nothing is built at import time, and nothing here imports Textual."""

import threading
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from leadreview.domain.roles import Actor, Role
from leadreview.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    # Type-only: these load SQLAlchemy, which the app's first paint does without.
    from PIL.Image import Image

    from leadreview.audit.models import AuditEvent
    from leadreview.domain.decision import DecisionKind
    from leadreview.domain.enforcement import EnforcementKind, EvidenceItem
    from leadreview.exercise.debrief import ExerciseDebrief
    from leadreview.exercise.views import ExerciseProgress, HotwashSheet, ParticipantBoard
    from leadreview.store.store import Store
    from leadreview.tui.demo import DemoWorld
    from leadreview.tui.read_models import (
        AuditVerification,
        Debrief,
        EventFilter,
        ExerciseState,
        WrittenReport,
    )
    from leadreview.tui.service_gateway import ServiceGateway
    from leadreview.workflow.views import (
        CaseDetail,
        CaseSummary,
        EnforcementView,
        LeadDetail,
        LeadView,
    )


@dataclass(frozen=True)
class Session:
    gateway: "ServiceGateway"
    store: "Store"
    actor: Actor
    demo: "DemoWorld | None" = None


def open_session(
    settings: Settings,
    *,
    reviewer: str | None = None,
    role: Role = Role.REVIEWER,
    database_url: str | None = None,
    demo: bool = True,
    seed_demo: bool = True,
    in_force: str = "wcso-practice",
) -> Session:
    """The store (schema upgraded), the workflow over it and the gateway for the app.

    Records, pictures and ground truth come from the world of the exercise each case
    belongs to, rebuilt from its stored scenario. With `demo` and `seed_demo`, the bundled
    demo's exercise is started on first use if the database has no cases.
    """
    from leadreview.audit.log import AuditLog
    from leadreview.audit.service import AuditContext
    from leadreview.exercise.worlds import ExerciseWorlds
    from leadreview.policy.loader import load_bundled_policies
    from leadreview.store.store import open_store
    from leadreview.tui.demo import DemoWorld, seed_demo_cases
    from leadreview.tui.service_gateway import ServiceGateway
    from leadreview.workflow.context import WorkflowContext
    from leadreview.workflow.policy_set import PolicySet
    from leadreview.workflow.service import ReviewWorkflow

    store = open_store(settings, url=database_url)
    policies = PolicySet.of(load_bundled_policies(), in_force)
    ctx = WorkflowContext(store=store, audit=AuditLog())
    worlds = ExerciseWorlds(store)
    world = DemoWorld(worlds=worlds) if demo else None
    workflow = ReviewWorkflow(ctx=ctx, policies=policies, gallery=worlds)
    prepare = None
    if world is not None and seed_demo:
        prepare = partial(seed_demo_cases, ctx, world)
    gateway = ServiceGateway(
        workflow=workflow,
        export_dir=settings.data_dir / "exports",
        report_dir=settings.data_dir / "reports",
        audit_context=AuditContext.from_settings(settings),
        pictures=worlds,
        truth=worlds,
        prepare=prepare,
    )
    actor = Actor(name=reviewer or settings.resolved_actor(), role=role)
    return Session(gateway=gateway, store=store, actor=actor, demo=world)


class LazyGateway:
    """A gateway that opens its session on first use, in the worker thread that first
    needs it, so that the app paints before the store, the schema check and the workflow
    (SQLAlchemy, Alembic, numpy) have loaded. A failure to open (an unreachable database)
    then reaches the user through the app's error modal, as one line."""

    def __init__(self, opener: "Callable[[], Session]") -> None:
        self._opener = opener
        self._session: Session | None = None
        self._lock = threading.Lock()

    @property
    def session(self) -> Session:
        with self._lock:
            if self._session is None:
                self._session = self._opener()
            return self._session

    @property
    def _gateway(self) -> "ServiceGateway":
        return self.session.gateway

    def list_cases(self, actor: Actor) -> "Sequence[CaseSummary]":
        return self._gateway.list_cases(actor)

    def get_case(self, actor: Actor, case_id: int) -> "CaseDetail":
        return self._gateway.get_case(actor, case_id)

    def get_lead(self, actor: Actor, lead_id: int) -> "LeadDetail":
        return self._gateway.get_lead(actor, lead_id)

    def decide(
        self,
        actor: Actor,
        lead_id: int,
        kind: "DecisionKind",
        rationale: str,
        expected_version: int,
    ) -> "LeadView":
        return self._gateway.decide(actor, lead_id, kind, rationale, expected_version)

    def request_enforcement(
        self,
        actor: Actor,
        lead_id: int,
        kind: "EnforcementKind",
        evidence: "Sequence[EvidenceItem]",
    ) -> "EnforcementView":
        return self._gateway.request_enforcement(actor, lead_id, kind, evidence)

    def join_exercise(self, actor: Actor) -> "ParticipantBoard | None":
        return self._gateway.join_exercise(actor)

    def exercise_board(self, actor: Actor, exercise_id: int) -> "ParticipantBoard":
        return self._gateway.exercise_board(actor, exercise_id)

    def change_mark(self) -> int:
        return self._gateway.change_mark()

    def probe_picture(self, case_id: int) -> "Image | None":
        return self._gateway.probe_picture(case_id)

    def lead_picture(self, lead_id: int) -> "Image | None":
        return self._gateway.lead_picture(lead_id)

    def list_events(self, actor: Actor, query: "EventFilter") -> "Sequence[AuditEvent]":
        return self._gateway.list_events(actor, query)

    def verify_audit(self, actor: Actor) -> "AuditVerification":
        return self._gateway.verify_audit(actor)

    def export_audit(self, actor: Actor, fmt: str) -> str:
        return self._gateway.export_audit(actor, fmt)

    def debrief(self, actor: Actor) -> "Debrief":
        return self._gateway.debrief(actor)

    def exercise_state(self, actor: Actor) -> "ExerciseState | None":
        return self._gateway.exercise_state(actor)

    def exercise_progress(self, actor: Actor, exercise_id: int) -> "ExerciseProgress":
        return self._gateway.exercise_progress(actor, exercise_id)

    def exercise_debrief(self, actor: Actor, exercise_id: int) -> "ExerciseDebrief":
        return self._gateway.exercise_debrief(actor, exercise_id)

    def reveal_truth(self, actor: Actor, exercise_id: int) -> "ExerciseState":
        return self._gateway.reveal_truth(actor, exercise_id)

    def hotwash_sheet(self, actor: Actor) -> "HotwashSheet | None":
        return self._gateway.hotwash_sheet(actor)

    def answer_hotwash(self, actor: Actor, exercise_id: int, question: int, answer: str) -> None:
        self._gateway.answer_hotwash(actor, exercise_id, question, answer)

    def validate_expectation(
        self, actor: Actor, exercise_id: int, expectation: str, met: bool, note: str
    ) -> None:
        self._gateway.validate_expectation(actor, exercise_id, expectation, met, note)

    def start_exercise(self, actor: Actor, scenario: str) -> "ExerciseState":
        return self._gateway.start_exercise(actor, scenario)

    def assign_cases(
        self,
        actor: Actor,
        exercise_id: int,
        case_key: str | None = None,
        participant: str | None = None,
    ) -> int:
        return self._gateway.assign_cases(actor, exercise_id, case_key, participant)

    def release_inject(self, actor: Actor, exercise_id: int, inject_key: str) -> bool:
        return self._gateway.release_inject(actor, exercise_id, inject_key)

    def pause_exercise(self, actor: Actor, exercise_id: int, paused: bool) -> None:
        self._gateway.pause_exercise(actor, exercise_id, paused)

    def extend_exercise(self, actor: Actor, exercise_id: int, minutes: float) -> float | None:
        return self._gateway.extend_exercise(actor, exercise_id, minutes)

    def close_exercise(self, actor: Actor, exercise_id: int) -> None:
        self._gateway.close_exercise(actor, exercise_id)

    def export_exercise(self, actor: Actor, exercise_id: int) -> str:
        return self._gateway.export_exercise(actor, exercise_id)

    def write_debrief_report(self, actor: Actor, path: "Path | None" = None) -> "WrittenReport":
        return self._gateway.write_debrief_report(actor, path)
