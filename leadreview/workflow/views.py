"""Frozen read models: what services hand to the UI and the CLI, never ORM rows."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from leadreview.domain.case import CaseStatus
from leadreview.domain.decision import DEFAULT_MIN_RATIONALE_WORDS, DecisionKind, LeadStatus
from leadreview.domain.enforcement import EnforcementKind, EvidenceItem
from leadreview.domain.identity import PersonRecord
from leadreview.domain.policy import DecidingRule, UseCase, Verdict
from leadreview.domain.probe import CaptureQuality
from leadreview.domain.roles import Role


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class PolicyRef(_Frozen):
    name: str
    sha256: str
    in_force: bool


class VerdictView(_Frozen):
    policy_name: str
    policy_sha256: str
    verdict: Verdict
    rule: DecidingRule
    reason: str
    in_force: bool


class DecisionView(_Frozen):
    decision_id: int
    lead_id: int
    reviewer: str
    role: Role
    kind: DecisionKind
    rationale: str
    decided_at: datetime
    lead_version: int  # the lead's version the reviewer saw when deciding


class EnforcementView(_Frozen):
    request_id: int
    lead_id: int
    requested_by: str
    role: Role
    kind: EnforcementKind
    evidence: tuple[EvidenceItem, ...]
    granted: bool
    reason: str
    requested_at: datetime


class LeadView(_Frozen):
    lead_id: int
    case_id: int | None
    search_id: int
    rank: int
    similarity: float
    face_id: str
    external_image_id: str | None
    shown: bool  # under the policy in force: a reviewer sees only shown leads
    status: LeadStatus
    version: int  # pass back to `decide` so a concurrent decision is detected
    reviewers_required: int
    verdicts: tuple[VerdictView, ...]  # one per policy, in the case's policy order
    decisions: tuple[DecisionView, ...]  # oldest first
    possible_lead_votes: int
    disagreement: bool  # reviewers gave different decisions

    def verdict_for(self, policy_name: str) -> VerdictView | None:
        return next((v for v in self.verdicts if v.policy_name == policy_name), None)

    def decided_by(self, reviewer: str) -> DecisionView | None:
        return next((d for d in self.decisions if d.reviewer == reviewer), None)


class ProbeView(_Frozen):
    probe_id: int
    probe_ref: str | None
    quality: CaptureQuality
    source: str
    captured_at: datetime | None
    image_sha256: str | None
    image_size: int  # bytes; fetch the image itself with `probe_image(case_id)`


class SearchView(_Frozen):
    search_id: int
    searched_at: datetime
    collection_id: str
    face_match_threshold: float
    max_faces: int
    policy_name: str
    policy_sha256: str
    face_model_version: str | None
    lead_count: int
    policy_count: int


class CaseSummary(_Frozen):
    case_id: int
    offense: str
    use_case: UseCase
    status: CaseStatus
    opened_by: str
    opened_by_role: Role
    opened_at: datetime
    policy_name: str
    policy_sha256: str
    reviewers_required: int
    # From the policy in force: a decision's rationale needs at least this many words.
    min_rationale_words: int = DEFAULT_MIN_RATIONALE_WORDS
    lead_count: int  # every lead the search returned
    shown_count: int  # leads the policy in force shows to reviewers
    awaiting_count: int  # shown leads still open for a decision
    forwarded_count: int
    rejected_count: int
    inconclusive_count: int
    disputed_count: int
    viewer_decided: int | None  # shown leads the viewing reviewer has decided
    viewer_pending: int | None  # open leads the viewing reviewer has not decided yet

    @property
    def review_complete(self) -> bool:
        return self.awaiting_count == 0


class CaseDetail(_Frozen):
    summary: CaseSummary
    probe: ProbeView
    search: SearchView | None
    policies: tuple[PolicyRef, ...]  # the verdict columns, in order
    leads: tuple[LeadView, ...]  # ranked; filtered leads only for roles that may see them
    hidden_filtered: int  # filtered leads left out for this viewer
    enforcement: tuple[EnforcementView, ...]


class LeadDetail(_Frozen):
    lead: LeadView
    case: CaseSummary | None
    probe: ProbeView
    record: PersonRecord | None  # the gallery's booking record, when the gallery knows it
    enforcement: tuple[EnforcementView, ...]


class FilteredLeadView(_Frozen):
    """A lead reviewers forwarded that a named policy would have filtered."""

    lead_id: int
    case_id: int
    offense: str
    rank: int
    similarity: float
    status: LeadStatus
    policy_in_force: str
    policy_name: str
    policy_sha256: str
    rule: DecidingRule
    reason: str
    forwarded_by: tuple[str, ...]
