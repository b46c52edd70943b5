"""Frozen read models the UI needs beyond the workflow's own (`workflow/views.py`).

Cases, leads and decisions come straight from the workflow's views; these cover the
audit screen's query and verification status and the debrief, which the service gateway
assembles. Plain values only: no ORM rows, no sessions, safe to pass between threads.
"""

from pydantic import BaseModel, ConfigDict

from leadreview.domain.decision import DecisionKind
from leadreview.domain.policy import Verdict

_FROZEN = ConfigDict(frozen=True)


class EventFilter(BaseModel):
    model_config = _FROZEN

    event_type: str | None = None
    actor: str | None = None
    text: str | None = None
    limit: int = 1000


class AuditVerification(BaseModel):
    model_config = _FROZEN

    ok: bool
    event_count: int
    head_seq: int
    head_digest: str
    first_bad_seq: int | None = None
    lines: tuple[str, ...] = ()  # what `audit verify` prints: every break named


class DebriefDecision(BaseModel):
    model_config = _FROZEN

    case_id: int
    lead_id: int
    rank: int
    similarity: float
    reviewer: str
    kind: DecisionKind
    is_mate: bool  # ground truth: the lead is the probe's subject
    lead_group: str
    verdicts: tuple[tuple[str, Verdict], ...]  # (policy, verdict) for every loaded policy


class CaseTruth(BaseModel):
    model_config = _FROZEN

    case_id: int
    offense: str
    mated: bool
    mate_rank: int | None
    subject_group: str


class GroupDisparity(BaseModel):
    model_config = _FROZEN

    group: str
    policy_name: str
    non_mate_leads: int
    non_mate_shown: int  # innocent people a reviewer would have been shown

    @property
    def shown_rate(self) -> float:
        return self.non_mate_shown / self.non_mate_leads if self.non_mate_leads else 0.0


class Debrief(BaseModel):
    model_config = _FROZEN

    cases: tuple[CaseTruth, ...]
    decisions: tuple[DebriefDecision, ...]
    disparities: tuple[GroupDisparity, ...]


class ExerciseState(BaseModel):
    """The exercise the debrief is about: the newest one not yet closed."""

    model_config = _FROZEN

    exercise_id: int
    title: str
    status: str  # running, revealed, closed

    @property
    def revealed(self) -> bool:
        return self.status in ("revealed", "closed")


class WrittenReport(BaseModel):
    """A report file written and put on record (`report.generated`, with its SHA-256)."""

    model_config = _FROZEN

    path: str
    sha256: str
    kind: str  # "exercise debrief" or "audit report"
    event_seq: int
