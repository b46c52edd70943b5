"""The `ReviewGateway` over the real services: the review workflow and the audit log.

Built once by `tui.factory` (for the CLI, `serve` or a test) and passed into the app. The
gallery's pictures come from the simulated world through a small port, so that this
adapter never builds a world itself; the ground truth reaches the app only as the
exercise's own debrief (`exercise/debrief.py`), after the reveal.
"""

import io
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from leadreview.domain.decision import DecisionKind
from leadreview.domain.enforcement import EnforcementKind, EvidenceItem
from leadreview.domain.roles import Action, Actor, Role
from leadreview.errors import PermissionRefused
from leadreview.exercise.views import ParticipantBoard
from leadreview.tui.exercise_gateway import ExerciseMethods
from leadreview.tui.read_models import (
    AuditVerification,
    EventFilter,
    ExerciseState,
    WrittenReport,
)
from leadreview.tui.report_file import fresh_path, write_on_record
from leadreview.workflow.errors import NotFound
from leadreview.workflow.views import (
    CaseDetail,
    CaseSummary,
    EnforcementView,
    LeadDetail,
    LeadView,
)

if TYPE_CHECKING:
    # Type-only: these load SQLAlchemy and numpy, which the app's first paint does
    # without; the methods import what they use.
    from PIL.Image import Image

    from leadreview.audit.models import AuditEvent
    from leadreview.audit.service import AuditContext
    from leadreview.audit.verdict import VerifyReport
    from leadreview.exercise.service import ExerciseService
    from leadreview.store.store import Store
    from leadreview.tui.demo import DemoWorld
    from leadreview.workflow.service import ReviewWorkflow


class LeadPictures(Protocol):
    """The picture of a gallery face (a booking photo), when one can be drawn."""

    def picture_for(self, face_id: str) -> "Image | None": ...


@dataclass(frozen=True)
class GatewayParts:
    """What the gateway works over: made once, by `tui.factory`, when first needed."""

    workflow: "ReviewWorkflow"
    export_dir: Path
    audit_context: "AuditContext | None" = None
    pictures: LeadPictures | None = None
    # Where the debrief screen writes its HTML reports; `export_dir` when not set.
    report_dir: Path | None = None
    # Run once, on the first call that needs it, in a worker thread: e.g. opening the
    # demo's cases.
    prepare: Callable[[], object] | None = None
    # The bundled demo's world, when the app runs the demo (tests read it).
    demo: "DemoWorld | None" = None


class ServiceGateway(ExerciseMethods):
    """The one `ReviewGateway`: the screens' calls, answered by the services.

    Given a function that makes its parts, it calls it on first use, in the worker
    thread that first needs it, so that the app paints before the store, the schema
    check and the workflow (SQLAlchemy, Alembic, numpy) have loaded; a failure to open
    (an unreachable database) then reaches the user through the app's error modal, as
    one line. Given the parts themselves, it uses them at once.
    """

    def __init__(self, parts: "GatewayParts | Callable[[], GatewayParts]") -> None:
        self._given = parts
        self._parts: GatewayParts | None = None
        self._open_lock = threading.Lock()
        self._prepared = False
        self._prepare_lock = threading.Lock()

    @property
    def parts(self) -> GatewayParts:
        with self._open_lock:
            if self._parts is None:
                given = self._given
                self._parts = given if isinstance(given, GatewayParts) else given()
            return self._parts

    @property
    def workflow(self) -> "ReviewWorkflow":
        return self.parts.workflow

    @property
    def export_dir(self) -> Path:
        return self.parts.export_dir

    @property
    def audit_context(self) -> "AuditContext | None":
        return self.parts.audit_context

    @property
    def pictures(self) -> LeadPictures | None:
        return self.parts.pictures

    @property
    def report_dir(self) -> Path | None:
        return self.parts.report_dir

    def _ready(self) -> None:
        prepare = self.parts.prepare
        if prepare is None or self._prepared:
            return
        with self._prepare_lock:
            if not self._prepared:
                prepare()
                self._prepared = True

    @property
    def _store(self) -> "Store":
        return self.workflow.ctx.store

    @property
    def _exercises(self) -> "ExerciseService":
        from leadreview.exercise.service import ExerciseService

        return ExerciseService(self.workflow.ctx)

    def _verify(self) -> "VerifyReport":
        from leadreview.audit.service import verify_store, verify_with_context

        if self.audit_context is not None:
            return verify_with_context(self._store, self.audit_context)
        return verify_store(self._store)

    def list_cases(self, actor: Actor) -> Sequence[CaseSummary]:
        self._ready()
        return self.workflow.queue(actor, status=None)

    def get_case(self, actor: Actor, case_id: int) -> CaseDetail:
        return self.workflow.case(case_id, actor)

    def get_lead(self, actor: Actor, lead_id: int) -> LeadDetail:
        return self.workflow.lead(lead_id, actor)

    def log_disagreements(self, case_id: int) -> dict[int, list[str]]:
        from leadreview.workflow.row_checks import case_lead_disagreements

        with self._store.reading() as session:
            return case_lead_disagreements(session, case_id)

    def decide(
        self,
        actor: Actor,
        lead_id: int,
        kind: DecisionKind,
        rationale: str,
        expected_version: int,
    ) -> LeadView:
        exercise_id = self._exercise_of_lead(lead_id)
        if exercise_id is None:
            return self.workflow.decide(
                actor, lead_id, kind, rationale, expected_version=expected_version
            )
        # Through the exercise: it checks the seat and the assignment (recording any
        # refusal), so that the decision counts as this participant's in its debrief.
        return self._exercises.decide(
            actor, exercise_id, lead_id, kind, rationale, expected_version=expected_version
        )

    def _exercise_of_lead(self, lead_id: int) -> int | None:
        """The current exercise (running or revealed) when the lead is one of its cases'."""
        from leadreview.workflow.queries import get_lead

        try:
            exercise = self._exercises.summary(self._exercises.current_exercise_id())
        except NotFound:
            return None
        with self._store.reading() as session:
            case_id = get_lead(session, lead_id).case_id
        return exercise.exercise_id if case_id in exercise.case_ids else None

    def request_enforcement(
        self,
        actor: Actor,
        lead_id: int,
        kind: EnforcementKind,
        evidence: Sequence[EvidenceItem],
    ) -> EnforcementView:
        return self.workflow.request_enforcement(actor, lead_id, kind, evidence)

    # --- the exercise, for a participant ------------------------------------------------

    def sign_in(self, join_code: str) -> Actor:
        self._ready()
        return self._exercises.redeem_join_code(join_code)[1]

    def end_idle_session(self, actor: Actor, idle_seconds: int) -> None:
        from leadreview.workflow.sessions import record_idle_timeout

        self._ready()
        record_idle_timeout(self.workflow.ctx, actor, idle_seconds)

    def join_exercise(self, actor: Actor) -> ParticipantBoard | None:
        if actor.role is Role.FACILITATOR:
            return None  # the facilitator runs the exercise and takes no seat
        self._ready()  # the demo's exercise is started on first use
        try:
            exercise = self._exercises.summary(self._exercises.current_exercise_id())
        except NotFound:
            return None
        from leadreview.exercise.records import Status

        if exercise.status != Status.RUNNING.value:
            return None
        self._exercises.join(actor, exercise.exercise_id)
        return self._exercises.board(actor, exercise.exercise_id)

    def exercise_board(self, actor: Actor, exercise_id: int) -> ParticipantBoard:
        return self._exercises.board(actor, exercise_id)

    def change_mark(self) -> int:
        # Every write of the workflow and the exercise appends an audit event in the same
        # transaction, so the head's sequence number moves exactly when something changed.
        from leadreview.audit.log import AuditLog

        with self._store.reading() as session:
            return AuditLog.head(session)[0]

    def probe_picture(self, case_id: int) -> "Image | None":
        data = self.workflow.probe_image(case_id)
        if not data:
            return None
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(data)) as image:
                return image.convert("RGB")
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            return None

    def lead_picture(self, lead_id: int) -> "Image | None":
        if self.pictures is None:
            return None
        with self._store.reading() as session:
            from leadreview.workflow.queries import get_lead

            face_id = get_lead(session, lead_id).face_id
        return self.pictures.picture_for(face_id)

    def list_events(self, actor: Actor, query: EventFilter) -> "Sequence[AuditEvent]":
        from leadreview.audit.log import AuditLog

        self.workflow.authorize(actor, Action.VIEW_AUDIT, {"screen": "audit"})
        with self._store.reading() as session:
            found = AuditLog.events(
                session,
                event_type=query.event_type,
                actor=query.actor,
                limit=None if query.text else query.limit,
                newest_first=True,
            )
        if query.text:
            found = [e for e in found if query.text in e.payload_json][: query.limit]
        return found

    def verify_audit(self, actor: Actor) -> AuditVerification:
        self.workflow.authorize(actor, Action.VIEW_AUDIT, {"audit": "verify"})
        report = self._verify()
        return AuditVerification(
            ok=report.ok,
            event_count=report.events,
            head_seq=report.head_seq,
            head_digest=report.head_digest,
            first_bad_seq=report.first_bad_seq,
            lines=tuple(report.lines()),
        )

    def export_audit(self, actor: Actor, fmt: str) -> str:
        self.workflow.authorize(actor, Action.VIEW_AUDIT, {"audit": f"export {fmt}"})
        if self.audit_context is None:
            raise PermissionRefused("export: no signing key configured for checkpoints")
        from leadreview.audit.export import ExportFormat
        from leadreview.audit.service import export_with_context

        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        directory = self.export_dir / f"audit-{stamp}"
        summary = export_with_context(self._store, self.audit_context, directory, ExportFormat(fmt))
        return f"{summary.events_file} ({summary.events} events)"

    # --- the exercise, for the facilitator's debrief ------------------------------------

    def exercise_state(self, actor: Actor, screen: str = "debrief") -> ExerciseState | None:
        from leadreview.exercise.permissions import ExerciseAction, require

        require(self.workflow.ctx, actor, ExerciseAction.DEBRIEF, {"screen": screen})
        self._ready()
        try:
            exercise_id = self._exercises.current_exercise_id()
        except NotFound:
            return None
        summary = self._exercises.summary(exercise_id)
        return ExerciseState(exercise_id=exercise_id, title=summary.title, status=summary.status)

    def write_debrief_report(self, actor: Actor, path: Path | None = None) -> WrittenReport:
        from leadreview.workflow.audit_report import build_audit_report, record_report

        state = self.exercise_state(actor)  # the role check, audited when refused
        # Built in every case: the recorded event names the chain head the file covers.
        audit = build_audit_report(self.workflow, actor, verify=self._verify)
        if state is not None and state.revealed:
            from leadreview.exercise.report import debrief_report

            html = debrief_report(self._exercises.debrief(actor, state.exercise_id))
            kind, fmt = "exercise debrief", "exercise-debrief.html"
            stem = f"debrief-exercise-{state.exercise_id}"
        else:
            from leadreview.analysis.audit_report_html import audit_report_html

            html = audit_report_html(audit)
            kind, fmt, stem = "audit report", "html", "audit-report"
        target = path or fresh_path(self.report_dir or self.export_dir, stem)

        def record(sha256: str, destination: str) -> "AuditEvent":
            return record_report(
                self.workflow,
                actor,
                audit,
                fmt=fmt,
                output_sha256=sha256,
                destination=destination,
            )

        digest, event = write_on_record(target, html, record)
        return WrittenReport(path=str(target), sha256=digest, kind=kind, event_seq=event.seq)
