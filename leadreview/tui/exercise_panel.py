"""What a participant's case queue shows of the exercise they are in: only the cases
assigned to them, and a few lines naming the exercise and the injects released so far.
Plain functions over frozen read models; nothing here imports Textual."""

from collections.abc import Sequence
from typing import TYPE_CHECKING

from leadreview.workflow.views import CaseSummary

if TYPE_CHECKING:
    from leadreview.exercise.views import ParticipantBoard

NOT_ASSIGNED = "none assigned to you yet: the facilitator assigns them (leadreview exercise assign)"


def my_cases(cases: Sequence[CaseSummary], board: "ParticipantBoard") -> list[CaseSummary]:
    """The cases on the participant's board (every case in open play), in queue order."""
    mine = {c.case_id for c in board.cases}
    return [c for c in cases if c.case_id in mine]


def panel_text(board: "ParticipantBoard") -> str:
    exercise = board.exercise
    lines = [f"Exercise #{exercise.exercise_id}: {exercise.title} — {exercise.status}"]
    if not board.injects:
        lines.append("Injects: none released yet")
    for inject in board.injects:
        about = f" [{', '.join(inject.cases)}]" if inject.cases else ""
        lines.append(f"▸ {inject.kind}: {inject.title} — {inject.sender}{about}")
    return "\n".join(lines)


def refused_text(reason: str) -> str:
    return f"Not taking part in the running exercise: {reason}"
