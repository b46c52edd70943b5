"""The After-Action Report / Improvement Plan (HSEEP) of one exercise, as data.

Built from the debrief (decisions against ground truth), the scenario's objectives and
expected actions, and the after-action events (hot wash, the facilitator's validations,
the improvement plan). Expectations with an automatic check are scored from the debrief;
the facilitator's validation, when there is one, is the verdict that counts and the report
says so. Objectives are rated on HSEEP's scale from their expectations.
"""

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from leadreview.audit.models import AuditEvent
from leadreview.domain.decision import DecisionKind
from leadreview.exercise.debrief import ExerciseDebrief
from leadreview.exercise.hotwash import HotwashAnswer, Improvement, Validation
from leadreview.exercise.scenario import ExerciseScenario, ExpectationCheck, ExpectationSpec


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Status(StrEnum):
    MET = "met"
    NOT_MET = "not met"
    AWAITING = "awaiting the facilitator's validation"


class Rating(StrEnum):
    """HSEEP's performance ratings for an objective."""

    PERFORMED = "P — performed without challenges"
    SOME_CHALLENGES = "S — performed with some challenges"
    MAJOR_CHALLENGES = "M — performed with major challenges"
    UNABLE = "U — unable to be performed"
    NOT_RATED = "not yet rated (expectations await validation)"


class ExpectationResult(_Frozen):
    id: str
    text: str
    check: ExpectationCheck
    cases: tuple[str, ...]
    status: Status
    evidence: str  # what the automatic check found, or why it could not decide
    validated_by: str | None  # the facilitator whose judgement stands, if any
    note: str


class ObjectiveResult(_Frozen):
    id: str
    text: str
    capability: str
    rating: Rating
    expectations: tuple[ExpectationResult, ...]


class JournalEntry(_Frozen):
    seq: int
    at: datetime
    actor: str
    role: str
    event_type: str


class AfterActionReport(_Frozen):
    debrief: ExerciseDebrief
    scenario_title: str
    objectives: tuple[ObjectiveResult, ...]
    expectations: tuple[ExpectationResult, ...]
    strengths: tuple[str, ...]
    areas_for_improvement: tuple[str, ...]
    improvements: tuple[Improvement, ...]
    hotwash: tuple[HotwashAnswer, ...]
    journal: tuple[JournalEntry, ...]


def _automatic(spec: ExpectationSpec, debrief: ExerciseDebrief) -> tuple[Status, str]:
    scope = set(spec.cases) or {o.truth.case_key for o in debrief.cases}
    outcomes = [o for o in debrief.cases if o.truth.case_key in scope]
    check = spec.check
    if check is ExpectationCheck.NO_WRONG_PERSON_FORWARDED:
        bad = [
            f"{o.truth.case_key} ({o.wrong_leads_forwarded})"
            for o in outcomes
            if o.wrong_leads_forwarded
        ]
        if bad:
            return Status.NOT_MET, "wrong people forwarded in: " + ", ".join(bad)
        return Status.MET, f"no wrong person forwarded in {len(outcomes)} case(s)"
    if check is ExpectationCheck.TRUE_MATE_FORWARDED:
        among = [o for o in outcomes if o.mate_lead_rank is not None]
        if not among:
            return Status.AWAITING, "no case in scope returned its true mate among the leads"
        missed = [o.truth.case_key for o in among if not o.mate_forwarded]
        if missed:
            return Status.NOT_MET, "true mate among the leads but not forwarded in: " + ", ".join(
                missed
            )
        return Status.MET, f"the true mate was forwarded in {len(among)} case(s)"
    if check is ExpectationCheck.TOP_WRONG_LEAD_REJECTED:
        return _top_wrong_rejected(scope, debrief)
    if check is ExpectationCheck.NO_ENFORCEMENT_WITHOUT_CORROBORATION:
        asked = [e for e in debrief.enforcement if e.case_key in scope]
        alone = [e for e in asked if not e.independent_evidence]
        if alone:
            who = ", ".join(f"{e.requested_by} ({e.kind}, {e.case_key})" for e in alone)
            return Status.NOT_MET, f"asked for action without independent evidence: {who}"
        return Status.MET, (
            f"{len(asked)} enforcement request(s), each citing independent evidence"
            if asked
            else "no enforcement request was made"
        )
    return Status.AWAITING, "judged by the facilitator"


def _top_wrong_rejected(scope: set[str], debrief: ExerciseDebrief) -> tuple[Status, str]:
    findings = []
    status = Status.MET
    for key in sorted(scope):
        wrong = [d for d in debrief.decisions if d.case_key == key and not d.is_mate]
        if not wrong:
            findings.append(f"{key}: nobody decided a wrong person's lead")
            status = Status.AWAITING if status is Status.MET else status
            continue
        top = max(wrong, key=lambda d: (d.similarity, -d.rank))
        on_top = [d for d in wrong if d.lead_id == top.lead_id]
        accepted = [d.participant for d in on_top if d.kind is not DecisionKind.NOT_A_MATCH]
        if accepted:
            status = Status.NOT_MET
            findings.append(
                f"{key}: the best-scoring wrong lead (rank {top.rank}, {top.similarity:.2f}) "
                f"was not rejected by {', '.join(accepted)}"
            )
        else:
            findings.append(
                f"{key}: the best-scoring wrong lead (rank {top.rank}, {top.similarity:.2f}) "
                f"was rejected by all {len(on_top)} reviewer(s)"
            )
    return status, "; ".join(findings)


def evaluate(
    scenario: ExerciseScenario, debrief: ExerciseDebrief, validated: dict[str, Validation]
) -> list[ExpectationResult]:
    out = []
    for spec in scenario.expectations:
        status, evidence = _automatic(spec, debrief)
        judged = validated.get(spec.id)
        if judged is not None:
            status = Status.MET if judged.met else Status.NOT_MET
        out.append(
            ExpectationResult(
                id=spec.id,
                text=spec.text,
                check=spec.check,
                cases=tuple(spec.cases),
                status=status,
                evidence=evidence,
                validated_by=judged.by if judged else None,
                note=judged.note if judged else "",
            )
        )
    return out


def rating(results: Sequence[ExpectationResult]) -> Rating:
    if not results or any(r.status is Status.AWAITING for r in results):
        return Rating.NOT_RATED
    met = sum(r.status is Status.MET for r in results)
    if met == len(results):
        return Rating.PERFORMED
    if met == 0:
        return Rating.UNABLE
    return Rating.SOME_CHALLENGES if met * 2 >= len(results) else Rating.MAJOR_CHALLENGES


def _observations(debrief: ExerciseDebrief) -> tuple[list[str], list[str]]:
    strengths: list[str] = []
    areas: list[str] = []
    team = debrief.team
    if team.decisions:
        line = (
            f"The team made {team.decisions} decision(s), "
            f"{team.correct} correct against ground truth"
        )
        (strengths if team.wrongful_forwards == 0 else areas).append(
            line
            + (
                "; no lead of a wrong person was forwarded."
                if team.wrongful_forwards == 0
                else f"; {team.wrongful_forwards} forwarded a wrong person as a possible lead."
            )
        )
    refused = [e for e in debrief.enforcement if not e.granted]
    if refused:
        areas.append(
            f"{len(refused)} enforcement request(s) were refused by the gate: "
            + "; ".join(f"{e.requested_by}: {e.reason}" for e in refused)
        )
    wrong_granted = [e for e in debrief.enforcement if e.granted and not e.on_true_mate]
    if wrong_granted:
        areas.append(
            f"{len(wrong_granted)} granted enforcement request(s) concerned someone who is "
            "not the person in the probe."
        )
    return strengths, areas


def build_report(
    scenario: ExerciseScenario,
    debrief: ExerciseDebrief,
    validated: dict[str, Validation],
    improvements: Sequence[Improvement],
    hotwash: Sequence[HotwashAnswer],
    journal: Sequence[AuditEvent],
) -> AfterActionReport:
    results = evaluate(scenario, debrief, validated)
    by_id = {r.id: r for r in results}
    objectives = []
    for o in scenario.objectives:
        mine = tuple(by_id[k] for k in o.expectations)
        objectives.append(
            ObjectiveResult(
                id=o.id,
                text=o.text,
                capability=o.capability,
                rating=rating(mine),
                expectations=mine,
            )
        )
    strengths, areas = _observations(debrief)
    strengths += [f"{r.text} ({r.evidence})" for r in results if r.status is Status.MET]
    areas += [f"{r.text} ({r.note or r.evidence})" for r in results if r.status is Status.NOT_MET]
    return AfterActionReport(
        debrief=debrief,
        scenario_title=scenario.title,
        objectives=tuple(objectives),
        expectations=tuple(results),
        strengths=tuple(strengths),
        areas_for_improvement=tuple(areas),
        improvements=tuple(improvements),
        hotwash=tuple(hotwash),
        journal=tuple(
            JournalEntry(seq=e.seq, at=e.time, actor=e.actor, role=e.role, event_type=e.event_type)
            for e in journal
        ),
    )
