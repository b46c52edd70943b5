"""Conditional injects: which of an exercise's unreleased injects have had their condition
met in play (a case decided, a lead forwarded). Read-only; the lifecycle releases them
when the exercise clock next ticks (the console's poll, `exercise status`)."""

from sqlmodel import Session, col, select

from leadreview.domain.decision import LeadStatus
from leadreview.exercise.scenario import ExerciseScenario, ReleaseCondition, ReleaseWhen
from leadreview.store.tables.exercise import ExerciseCaseRow, ExerciseInjectRow
from leadreview.store.tables.workflow import DecisionRow, LeadRow


def conditions_met(
    session: Session, exercise_id: int, scenario: ExerciseScenario
) -> list[tuple[str, str]]:
    """(inject key, what released it) for each unreleased inject whose condition holds,
    in the scenario's order."""
    waiting = session.exec(
        select(ExerciseInjectRow.inject_key)
        .where(
            col(ExerciseInjectRow.exercise_id) == exercise_id,
            col(ExerciseInjectRow.released_at).is_(None),
        )
        .order_by(col(ExerciseInjectRow.position))
    ).all()
    case_ids = {
        row.case_key: row.case_id
        for row in session.exec(
            select(ExerciseCaseRow).where(col(ExerciseCaseRow.exercise_id) == exercise_id)
        ).all()
    }
    met = []
    for key in waiting:
        spec = scenario.inject(key)
        condition = spec.condition if spec is not None else None
        case_id = case_ids.get(condition.case) if condition is not None else None
        if condition is None or case_id is None:
            continue
        if _holds(session, condition, case_id):
            met.append((key, f"{condition.when.value}:{condition.case}"))
    return met


def _holds(session: Session, condition: ReleaseWhen, case_id: int) -> bool:
    if condition.when is ReleaseCondition.CASE_DECIDED:
        found = session.exec(
            select(DecisionRow.id)
            .join(LeadRow, col(LeadRow.id) == col(DecisionRow.lead_id))
            .where(col(LeadRow.case_id) == case_id)
            .limit(1)
        ).first()
    else:
        found = session.exec(
            select(LeadRow.id)
            .where(
                col(LeadRow.case_id) == case_id,
                col(LeadRow.status) == LeadStatus.FORWARDED.value,
            )
            .limit(1)
        ).first()
    return found is not None
