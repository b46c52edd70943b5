"""The debrief: every decision against ground truth, per participant and for the team,
what each policy would have changed, time per decision, and how forwarding moved with
Similarity (automation bias). Built from the database alone, so it can be rebuilt at any
time after the reveal, on any machine holding the store."""

from collections.abc import Sequence
from datetime import datetime
from statistics import median

from pydantic import BaseModel, ConfigDict
from sqlmodel import Session, col, select

from leadreview.domain.decision import DecisionKind, LeadStatus
from leadreview.domain.policy import Verdict
from leadreview.domain.roles import Actor, Role
from leadreview.exercise import records
from leadreview.exercise.pausing import clock_of
from leadreview.exercise.views import CaseTruthView, DecidedLead, ExerciseSummary, InjectView
from leadreview.store.tables.exercise import ExerciseAssignmentRow, ExerciseParticipantRow
from leadreview.workflow import queries
from leadreview.workflow.sql import as_utc
from leadreview.workflow.views import CaseDetail

# Bands of Similarity, with the thresholds named in the public record as edges: the API
# default 80, "95 for police", the documented 99 (FACTS.md).
BANDS: tuple[tuple[float, float], ...] = ((0, 80), (80, 90), (90, 95), (95, 99), (99, 100.001))
# Reads every lead, filtered ones included: the debrief is about what policies hide.
_READER = Actor(name="exercise debrief", role=Role.AUDITOR)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class CaseOutcome(_Frozen):
    truth: CaseTruthView
    leads_returned: int
    leads_shown: int
    mate_lead_rank: int | None  # the mate's rank among the leads, if it was returned
    mate_forwarded: bool
    wrong_leads_forwarded: int  # leads of other people that ended forwarded
    mate_shown_by: tuple[str, ...]  # policies under which the mate would have been shown


class Score(_Frozen):
    name: str
    role: str
    decisions: int
    correct: int
    wrongful_forwards: int  # possible-lead on someone who is not the probe's subject
    missed_mates: int  # not-a-match on the probe's subject
    inconclusive: int
    median_seconds: float | None
    mean_seconds: float | None

    @property
    def accuracy(self) -> float | None:
        decided = self.decisions - self.inconclusive
        return self.correct / decided if decided else None


class PolicyEffect(_Frozen):
    policy: str
    in_force: bool
    wrongful_forwards_prevented: int  # forwards of wrong people it would have filtered
    true_forwards_lost: int  # forwards of the true mate it would have filtered
    mates_hidden: int  # cases whose returned mate it would have filtered
    wrong_leads_shown: int  # leads of wrong people it would have shown a reviewer


class BandRate(_Frozen):
    low: float
    high: float
    decisions: int
    forwards: int
    wrong_decisions: int  # decisions on leads that are not the subject
    wrong_forwards: int

    @property
    def label(self) -> str:
        return f"{self.low:g}–{min(self.high, 100):g}"

    @property
    def forward_rate(self) -> float | None:
        return self.forwards / self.decisions if self.decisions else None

    @property
    def wrong_forward_rate(self) -> float | None:
        return self.wrong_forwards / self.wrong_decisions if self.wrong_decisions else None


class EnforcementOutcome(_Frozen):
    """An arrest, warrant or search asked for in the exercise, and the gate's answer."""

    case_key: str
    case_id: int
    lead_id: int
    requested_by: str
    kind: str
    granted: bool
    reason: str
    on_true_mate: bool  # False: the request was about someone who is not the probe's subject
    independent_evidence: tuple[str, ...]


class ExerciseDebrief(_Frozen):
    exercise: ExerciseSummary
    truth_sha256: str
    sources: tuple[str, ...]
    cases: tuple[CaseOutcome, ...]
    decisions: tuple[DecidedLead, ...]
    participants: tuple[Score, ...]
    team: Score
    team_wrongful_forwards: int  # leads of wrong people forwarded after all agreement
    policies: tuple[PolicyEffect, ...]
    bands: tuple[BandRate, ...]
    injects: tuple[InjectView, ...]
    questions: tuple[str, ...]
    enforcement: tuple[EnforcementOutcome, ...] = ()

    @property
    def mates_found(self) -> tuple[int, int]:
        """(mated cases whose true subject ended forwarded, mated cases): the headline's
        second figure, in the report and on the terminal app's screen alike."""
        mated = [c for c in self.cases if c.truth.mated]
        return sum(c.mate_forwarded for c in mated), len(mated)


def build_debrief(session: Session, exercise_id: int) -> ExerciseDebrief:
    row = records.get_exercise(session, exercise_id)
    scenario = records.stored_scenario(row)
    truths = records.truth_views(session, exercise_id)
    details = {t.case_id: queries.case_detail(session, t.case_id, _READER) for t in truths}
    decisions = _decisions(session, exercise_id, truths, details)
    policy_names = [p.name for p in next(iter(details.values())).policies] if details else []
    people = [
        _score(p.name, p.role, [d for d in decisions if d.participant == p.name])
        for p in records.participants(session, exercise_id)
    ]
    outcomes = [_outcome(t, details[t.case_id]) for t in truths]
    return ExerciseDebrief(
        exercise=records.summary(session, row),
        truth_sha256=records.truth_digest([records.truth_payload(t) for t in truths]),
        sources=tuple(scenario.sources),
        cases=tuple(outcomes),
        decisions=tuple(decisions),
        participants=tuple(people),
        team=_score("team", "all", decisions),
        team_wrongful_forwards=sum(o.wrong_leads_forwarded for o in outcomes),
        policies=tuple(
            _policy_effect(name, row.policy_in_force, decisions, truths, details)
            for name in policy_names
        ),
        bands=tuple(_band(low, high, decisions) for low, high in BANDS),
        injects=tuple(records.injects(session, exercise_id, scenario)),
        questions=tuple(scenario.debrief_questions),
        enforcement=tuple(_enforcement(truths, details)),
    )


def _decisions(
    session: Session,
    exercise_id: int,
    truths: Sequence[CaseTruthView],
    details: dict[int, CaseDetail],
) -> list[DecidedLead]:
    assigned = _assignment_times(session, exercise_id)
    # Paused minutes are nobody's decision time (the clock is rebuilt from the log).
    clock = clock_of(session, exercise_id)
    started = clock.started_at
    out: list[DecidedLead] = []
    for truth in truths:
        for lead in details[truth.case_id].leads:
            filtered_by = tuple(
                v.policy_name for v in lead.verdicts if v.verdict is Verdict.FILTERED
            )
            for decision in lead.decisions:
                out.append(
                    DecidedLead(
                        participant=decision.reviewer,
                        case_key=truth.case_key,
                        case_id=truth.case_id,
                        lead_id=lead.lead_id,
                        rank=lead.rank,
                        similarity=lead.similarity,
                        kind=decision.kind,
                        is_mate=truth.mate_face_id is not None
                        and lead.face_id == truth.mate_face_id,
                        decided_at=as_utc(decision.decided_at),
                        seconds_taken=None,
                        rationale=decision.rationale,
                        filtered_by=filtered_by,
                    )
                )
    out.sort(key=lambda d: (d.participant, d.decided_at, d.lead_id))
    timed: list[DecidedLead] = []
    previous: dict[str, datetime] = {}
    for d in out:
        since = max(
            t
            for t in (
                started,
                assigned.get((d.participant, d.case_id), started),
                previous.get(d.participant, started),
            )
        )
        taken = clock.play_seconds(since, d.decided_at)
        timed.append(d.model_copy(update={"seconds_taken": taken}))
        previous[d.participant] = d.decided_at
    return timed


def _assignment_times(session: Session, exercise_id: int) -> dict[tuple[str, int], datetime]:
    cases = {c.id: c.case_id for c in records.cases(session, exercise_id)}
    rows = session.exec(
        select(ExerciseParticipantRow.name, ExerciseAssignmentRow)
        .join(
            ExerciseParticipantRow,
            col(ExerciseParticipantRow.id) == col(ExerciseAssignmentRow.participant_id),
        )
        .where(col(ExerciseParticipantRow.exercise_id) == exercise_id)
    ).all()
    return {
        (name, cases[a.exercise_case_id]): as_utc(a.assigned_at)
        for name, a in rows
        if a.exercise_case_id in cases
    }


def _score(name: str, role: str, decisions: Sequence[DecidedLead]) -> Score:
    forward = DecisionKind.POSSIBLE_LEAD
    seconds = [d.seconds_taken for d in decisions if d.seconds_taken is not None]
    return Score(
        name=name,
        role=role,
        decisions=len(decisions),
        correct=sum(
            (d.kind is forward and d.is_mate)
            or (d.kind is DecisionKind.NOT_A_MATCH and not d.is_mate)
            for d in decisions
        ),
        wrongful_forwards=sum(d.kind is forward and not d.is_mate for d in decisions),
        missed_mates=sum(d.kind is DecisionKind.NOT_A_MATCH and d.is_mate for d in decisions),
        inconclusive=sum(d.kind is DecisionKind.INCONCLUSIVE for d in decisions),
        median_seconds=median(seconds) if seconds else None,
        mean_seconds=sum(seconds) / len(seconds) if seconds else None,
    )


def _outcome(truth: CaseTruthView, detail: CaseDetail) -> CaseOutcome:
    mate = next((lead for lead in detail.leads if lead.face_id == truth.mate_face_id), None)
    return CaseOutcome(
        truth=truth,
        leads_returned=len(detail.leads),
        leads_shown=sum(lead.shown for lead in detail.leads),
        mate_lead_rank=mate.rank if mate else None,
        mate_forwarded=mate is not None and mate.status is LeadStatus.FORWARDED,
        wrong_leads_forwarded=sum(
            lead.status is LeadStatus.FORWARDED and lead is not mate for lead in detail.leads
        ),
        mate_shown_by=tuple(
            v.policy_name for v in (mate.verdicts if mate else ()) if v.verdict is Verdict.SHOWN
        ),
    )


def _policy_effect(
    name: str,
    in_force: str,
    decisions: Sequence[DecidedLead],
    truths: Sequence[CaseTruthView],
    details: dict[int, CaseDetail],
) -> PolicyEffect:
    forwards = [d for d in decisions if d.kind is DecisionKind.POSSIBLE_LEAD]
    hidden = 0
    wrong_shown = 0
    for truth in truths:
        for lead in details[truth.case_id].leads:
            verdict = lead.verdict_for(name)
            shown = verdict is not None and verdict.verdict is Verdict.SHOWN
            if lead.face_id == truth.mate_face_id:
                hidden += not shown
            else:
                wrong_shown += shown
    return PolicyEffect(
        policy=name,
        in_force=name == in_force,
        wrongful_forwards_prevented=sum(not d.is_mate and name in d.filtered_by for d in forwards),
        true_forwards_lost=sum(d.is_mate and name in d.filtered_by for d in forwards),
        mates_hidden=hidden,
        wrong_leads_shown=wrong_shown,
    )


def _enforcement(
    truths: Sequence[CaseTruthView], details: dict[int, CaseDetail]
) -> list[EnforcementOutcome]:
    out = []
    for truth in truths:
        detail = details[truth.case_id]
        faces = {lead.lead_id: lead.face_id for lead in detail.leads}
        for request in detail.enforcement:
            out.append(
                EnforcementOutcome(
                    case_key=truth.case_key,
                    case_id=truth.case_id,
                    lead_id=request.lead_id,
                    requested_by=request.requested_by,
                    kind=request.kind.value,
                    granted=request.granted,
                    reason=request.reason,
                    on_true_mate=truth.mate_face_id is not None
                    and faces.get(request.lead_id) == truth.mate_face_id,
                    independent_evidence=tuple(
                        sorted({e.kind.value for e in request.evidence if e.independent})
                    ),
                )
            )
    return sorted(out, key=lambda e: (e.case_id, e.lead_id))


def _band(low: float, high: float, decisions: Sequence[DecidedLead]) -> BandRate:
    inside = [d for d in decisions if low <= d.similarity < high]
    wrong = [d for d in inside if not d.is_mate]
    forward = DecisionKind.POSSIBLE_LEAD
    return BandRate(
        low=low,
        high=high,
        decisions=len(inside),
        forwards=sum(d.kind is forward for d in inside),
        wrong_decisions=len(wrong),
        wrong_forwards=sum(d.kind is forward for d in wrong),
    )
