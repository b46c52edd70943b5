"""Frozen read models of an exercise: what the CLI prints and the TUI shows."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from leadreview.domain.decision import DecisionKind
from leadreview.domain.roles import Role


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class ExerciseSummary(_Frozen):
    exercise_id: int
    scenario_name: str
    title: str
    status: str  # running, revealed, closed
    seed: int
    policy_in_force: str
    assignment: str
    started_by: str
    started_at: datetime
    case_ids: tuple[int, ...]


class ParticipantView(_Frozen):
    participant_id: int
    exercise_id: int
    name: str
    role: Role
    joined_at: datetime


class InjectView(_Frozen):
    inject_key: str
    kind: str
    title: str
    text: str
    sender: str
    cases: tuple[str, ...]
    release_after_minutes: float | None  # None: released by hand or on a condition
    condition: str | None = None  # e.g. "lead_forwarded:car-break-in", released when met
    released_at: datetime | None
    released_by: str | None


class Assignment(_Frozen):
    case_key: str
    case_id: int
    participant: str


class ParticipantProgress(_Frozen):
    name: str
    role: Role
    assigned_cases: tuple[str, ...]
    decisions_made: int
    decisions_pending: int  # shown leads of their cases, still open, they have not decided
    last_decision_at: datetime | None
    # Median play time per decision: from the later of the start, the case's assignment
    # and the previous decision (as the debrief counts it); None before the first.
    median_seconds_per_decision: float | None = None


class ExerciseProgress(_Frozen):
    """The facilitator console: who has done what, which injects are out."""

    exercise: ExerciseSummary
    now: datetime
    elapsed_minutes: float  # play time: paused intervals do not count
    exercise_minutes: float | None  # the scenario's limit plus any extension
    overdue: bool
    paused: bool = False
    extended_minutes: float = 0.0
    participants: tuple[ParticipantProgress, ...]
    injects: tuple[InjectView, ...]
    cases_complete: int  # no shown lead left open
    case_count: int
    case_keys: tuple[str, ...] = ()  # the scenario's cases, in order (assigning by hand)


class CaseTruthView(_Frozen):
    case_key: str
    case_id: int
    offense: str
    mated: bool
    mate_face_id: str | None
    mate_rank: int | None  # in the whole gallery; beyond the leads when > leads returned
    mate_similarity: float | None
    top_impostor_face_id: str
    top_impostor_similarity: float
    lookalike_face_id: str | None
    subject_group: str
    subject_sex: str
    subject_age_band: str


class Reveal(_Frozen):
    exercise_id: int
    truth_sha256: str  # committed at start, so the truth cannot have changed since
    cases: tuple[CaseTruthView, ...]


class PendingLead(_Frozen):
    """A lead still to decide, as a reviewer meets it: its place and its score."""

    lead_id: int
    rank: int
    similarity: float


class MyCase(_Frozen):
    # No scenario case key: authors name cases after their answer ("theft-true-lead").
    # A participant knows a case by its number only, until the reveal.
    case_id: int
    offense: str
    pending_leads: tuple[int, ...]  # lead ids the participant still has to decide
    pending: tuple[PendingLead, ...] = ()  # the same leads, with rank and Similarity


class ParticipantBoard(_Frozen):
    """What a participant sees: their cases and the injects released so far."""

    exercise: ExerciseSummary
    participant: ParticipantView
    cases: tuple[MyCase, ...]
    injects: tuple[InjectView, ...]


class DecidedLead(_Frozen):
    participant: str
    case_key: str
    case_id: int
    lead_id: int
    rank: int
    similarity: float
    kind: DecisionKind
    is_mate: bool
    decided_at: datetime
    seconds_taken: float | None  # play time since the assignment or their previous decision
    rationale: str = ""  # the reviewer's own words: the debrief's first question is about them
    filtered_by: tuple[str, ...]  # policies that would have hidden this lead


class ExpectationState(_Frozen):
    expectation: str
    text: str
    check: str  # "manual" for the facilitator to judge; otherwise scored by the debrief
    met: bool | None  # the facilitator's latest judgement; None: not judged yet


class HotwashSheet(_Frozen):
    """The hot wash as one person meets it after the reveal: the debrief questions with
    their own latest answers, and (for the facilitator) the expectations to judge."""

    exercise_id: int
    title: str
    status: str
    questions: tuple[str, ...]
    my_answers: tuple[str | None, ...]  # per question, 1-based order as the questions
    expectations: tuple[ExpectationState, ...]
