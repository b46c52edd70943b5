"""`ReviewWorkflow`: the one object a UI or a command holds to work with cases.

Each write method is a unit of work of its own (one transaction, committed before it
returns) and checks the actor's role first: a refusal is recorded as a
`permission.refused` event and raised as PermissionRefused. Read methods return frozen
views. Methods are synchronous: a TUI calls them from a thread worker.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from leadreview.audit.models import AuditEvent
from leadreview.domain.case import CaseOpening, CaseStatus
from leadreview.domain.decision import DecisionKind
from leadreview.domain.enforcement import EnforcementKind, EvidenceItem
from leadreview.domain.roles import Action, Actor, may
from leadreview.workflow import audit_queries, queries, replay
from leadreview.workflow.cases import SearchBackend, open_case
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.decisions import decide_lead
from leadreview.workflow.enforcement import request_enforcement
from leadreview.workflow.errors import InvalidRequest, NotFound
from leadreview.workflow.permissions import require
from leadreview.workflow.policy_set import PolicySet
from leadreview.workflow.ports import GalleryRecords, ProbeImages
from leadreview.workflow.views import (
    CaseDetail,
    CaseSummary,
    EnforcementView,
    FilteredLeadView,
    LeadDetail,
    LeadView,
)


@dataclass(frozen=True)
class ReviewWorkflow:
    ctx: WorkflowContext
    policies: PolicySet
    backend: SearchBackend | None = None
    probe_images: ProbeImages | None = None
    gallery: GalleryRecords | None = None

    # --- writes -------------------------------------------------------------------------

    def open_case(self, actor: Actor, opening: CaseOpening) -> CaseDetail:
        if self.backend is None:
            raise InvalidRequest("open case: no face-search backend configured")
        case_id = open_case(
            self.ctx,
            actor,
            opening,
            backend=self.backend,
            policies=self.policies,
            probe_images=self.probe_images,
        )
        return self.case(case_id, actor)

    def decide(
        self,
        actor: Actor,
        lead_id: int,
        kind: DecisionKind,
        rationale: str,
        *,
        expected_version: int | None = None,
    ) -> LeadView:
        return decide_lead(
            self.ctx, actor, lead_id, kind, rationale, expected_version=expected_version
        )

    def request_enforcement(
        self,
        actor: Actor,
        lead_id: int,
        kind: EnforcementKind,
        evidence: Sequence[EvidenceItem],
    ) -> EnforcementView:
        request_id = request_enforcement(self.ctx, actor, lead_id, kind, evidence)
        with self.ctx.store.reading() as session:
            views = queries.enforcement_views(session, [lead_id])
        return next(v for v in views if v.request_id == request_id)

    def authorize(
        self, actor: Actor, action: Action, subject: dict[str, object] | None = None
    ) -> None:
        """For services outside the workflow (policy edits, exercises): refuse and record."""
        require(self.ctx, actor, action, subject)

    # --- reads --------------------------------------------------------------------------

    def queue(
        self, viewer: Actor, status: CaseStatus | None = CaseStatus.OPEN
    ) -> list[CaseSummary]:
        with self.ctx.store.reading() as session:
            return queries.case_summaries(session, viewer=viewer, status=status)

    def case(self, case_id: int, viewer: Actor) -> CaseDetail:
        with self.ctx.store.reading() as session:
            return queries.case_detail(session, case_id, viewer)

    def lead(self, lead_id: int, viewer: Actor) -> LeadDetail:
        with self.ctx.store.reading() as session:
            row = queries.get_lead(session, lead_id)
            view = queries.lead_views(session, [row])[0]
            if not view.shown and not may(viewer.role, Action.VIEW_FILTERED_LEADS):
                raise NotFound(f"lead {lead_id}: not shown under the policy in force")
            probe = queries.probe_of_search(session, row.search_id)
            case = (
                queries.case_summary(session, row.case_id, viewer)
                if row.case_id is not None
                else None
            )
            enforcement = queries.enforcement_views(session, [lead_id])
        record = (
            self.gallery.record_for(view.face_id, view.external_image_id)
            if self.gallery is not None
            else None
        )
        return LeadDetail(
            lead=view, case=case, probe=probe, record=record, enforcement=tuple(enforcement)
        )

    def probe_image(self, case_id: int) -> bytes | None:
        with self.ctx.store.reading() as session:
            return queries.probe_image(session, case_id)

    def case_events(self, case_id: int, viewer: Actor) -> list[AuditEvent]:
        require(self.ctx, viewer, Action.VIEW_AUDIT, {"case_id": case_id})
        with self.ctx.store.reading() as session:
            return audit_queries.case_events(session, case_id)

    def forwarded_leads_filtered_by(
        self, viewer: Actor, policy_name: str
    ) -> list[FilteredLeadView]:
        require(self.ctx, viewer, Action.VIEW_AUDIT, {"filtered_by": policy_name})
        with self.ctx.store.reading() as session:
            return audit_queries.forwarded_leads_filtered_by(session, policy_name)

    def replay_verdicts(self, viewer: Actor, case_id: int | None = None) -> replay.ReplayReport:
        require(self.ctx, viewer, Action.REPLAY_VERDICTS, {"case_id": case_id})
        with self.ctx.store.reading() as session:
            return replay.replay_verdicts(session, case_id)

    def check_policy_files(self, viewer: Actor) -> list[replay.PolicyFileStatus]:
        require(self.ctx, viewer, Action.REPLAY_VERDICTS, {})
        with self.ctx.store.reading() as session:
            return replay.check_policy_files(session)
