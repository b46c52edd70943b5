"""The `ReviewGateway` over the real services: the review workflow and the audit log.

Built once by the CLI (or a test) from an open store and passed into the app. The
ground truth and the gallery's pictures come from the simulated world, through two small
ports, so that this adapter never builds a world itself.
"""

import io
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from leadreview.audit.log import AuditLog
from leadreview.audit.models import AuditEvent
from leadreview.domain.decision import DecisionKind
from leadreview.domain.probe import ProbeTruth
from leadreview.domain.roles import Action, Actor, Role
from leadreview.errors import PermissionRefused
from leadreview.store.store import Store
from leadreview.tui.debrief import build_debrief
from leadreview.tui.read_models import AuditVerification, Debrief, EventFilter
from leadreview.workflow.service import ReviewWorkflow
from leadreview.workflow.views import CaseDetail, CaseSummary, LeadDetail, LeadView

if TYPE_CHECKING:
    from PIL.Image import Image

    from leadreview.audit.service import AuditContext


class LeadPictures(Protocol):
    """The picture of a gallery face (a booking photo), when one can be drawn."""

    def picture_for(self, face_id: str) -> "Image | None": ...


class GroundTruthSource(Protocol):
    """What only the debrief may see: whether a probe is mated, and to whom."""

    def truth_for(self, probe_ref: str) -> ProbeTruth | None: ...

    def group_of(self, face_id: str) -> str | None: ...


@dataclass(frozen=True)
class ServiceGateway:
    workflow: ReviewWorkflow
    export_dir: Path
    audit_context: "AuditContext | None" = None
    pictures: LeadPictures | None = None
    truth: GroundTruthSource | None = None
    # Run once, on the first call, in a worker thread: e.g. opening the demo's cases.
    prepare: Callable[[], object] | None = None
    _prepared: list[bool] = field(default_factory=list, repr=False)
    _prepare_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _ready(self) -> None:
        if self.prepare is None or self._prepared:
            return
        with self._prepare_lock:
            if not self._prepared:
                self.prepare()
                self._prepared.append(True)

    @property
    def _store(self) -> Store:
        return self.workflow.ctx.store

    def list_cases(self, actor: Actor) -> Sequence[CaseSummary]:
        self._ready()
        return self.workflow.queue(actor, status=None)

    def get_case(self, actor: Actor, case_id: int) -> CaseDetail:
        return self.workflow.case(case_id, actor)

    def get_lead(self, actor: Actor, lead_id: int) -> LeadDetail:
        return self.workflow.lead(lead_id, actor)

    def decide(
        self,
        actor: Actor,
        lead_id: int,
        kind: DecisionKind,
        rationale: str,
        expected_version: int,
    ) -> LeadView:
        return self.workflow.decide(
            actor, lead_id, kind, rationale, expected_version=expected_version
        )

    def probe_picture(self, case_id: int) -> "Image | None":
        data = self.workflow.probe_image(case_id)
        if not data:
            return None
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(io.BytesIO(data)) as image:
                return image.convert("RGB")
        except (UnidentifiedImageError, OSError):
            return None

    def lead_picture(self, lead_id: int) -> "Image | None":
        if self.pictures is None:
            return None
        with self._store.reading() as session:
            from leadreview.workflow.queries import get_lead

            face_id = get_lead(session, lead_id).face_id
        return self.pictures.picture_for(face_id)

    def list_events(self, actor: Actor, query: EventFilter) -> Sequence[AuditEvent]:
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
        from leadreview.audit.service import verify_store, verify_with_context

        if self.audit_context is not None:
            report = verify_with_context(self._store, self.audit_context)
        else:
            report = verify_store(self._store)
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
        from leadreview.audit.export import ExportFormat, export_log

        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        summary = export_log(
            self._store,
            self.export_dir / f"audit-{stamp}",
            ExportFormat(fmt),
            signer=self.audit_context.signer(),
            origin=self.audit_context.origin,
        )
        return f"{summary.events_file} ({summary.events} events)"

    def debrief(self, actor: Actor) -> Debrief:
        if actor.role is not Role.FACILITATOR:
            raise PermissionRefused(f"role {actor.role.value!r} may not see the debrief")
        if self.truth is None:
            raise PermissionRefused("debrief: this database has no ground truth loaded")
        cases = self.workflow.queue(actor, status=None)
        details = [self.workflow.case(c.case_id, actor) for c in cases]
        return build_debrief(details, self.truth)
