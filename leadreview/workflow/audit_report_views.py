"""Frozen read models of the audit report: what `report audit` renders as HTML and what
the TUI's debrief can show as it stands. Plain values only, safe to pass between threads."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from leadreview.domain.decision import DecisionKind, LeadStatus
from leadreview.domain.roles import Role
from leadreview.workflow.views import FilteredLeadView, VerdictView


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class DecisionRecord(_Frozen):
    """One reviewer's decision on a lead, beside what every policy would have done to it."""

    decision_id: int
    decided_at: datetime
    case_id: int
    offense: str
    lead_id: int
    rank: int
    similarity: float
    lead_status: LeadStatus  # the lead's status now, after every decision on it
    reviewer: str
    role: Role
    kind: DecisionKind
    rationale: str
    verdicts: tuple[VerdictView, ...]  # one per policy the lead was evaluated under

    def verdict_for(self, policy_name: str) -> VerdictView | None:
        return next((v for v in self.verdicts if v.policy_name == policy_name), None)


class PolicyTally(_Frozen):
    """What one policy would have changed about the decisions on record."""

    policy_name: str
    policy_sha256s: tuple[str, ...]  # every version of the file verdicts were given under
    decisions: int  # decisions on leads this policy evaluated
    on_shown: int  # … on leads it would have shown
    on_filtered: int  # … on leads it would have kept from the reviewer
    filtered_by_decision: dict[DecisionKind, int]  # the latter, by decision
    forwarded_filtered: int  # forwarded leads it would have filtered (the auditors' question)


class ChainStatus(_Frozen):
    """The audit package's verification of the whole chain, run after the tables were read,
    so every decision in the report is sealed at or below `head_seq`."""

    ok: bool
    events: int
    head_seq: int
    head_digest: str
    first_bad_seq: int | None
    lines: tuple[str, ...]  # what `audit verify` prints


class AuditReport(_Frozen):
    generated_at: datetime
    generated_by: str
    role: Role
    chain: ChainStatus
    decisions: tuple[DecisionRecord, ...]  # oldest first
    by_decision: dict[DecisionKind, int]
    policies: tuple[PolicyTally, ...]  # by policy name
    forwarded_filtered: dict[str, tuple[FilteredLeadView, ...]]  # policy -> leads
