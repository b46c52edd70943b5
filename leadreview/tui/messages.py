"""Messages thread workers post. Workers never touch widgets: they post one of these and
an `@on` handler on the screen updates what is shown."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from leadreview.tui.read_models import AuditVerification, ExerciseState, WrittenReport
from leadreview.workflow.views import CaseDetail, CaseSummary, LeadDetail, LeadView

if TYPE_CHECKING:
    from PIL.Image import Image

    from leadreview.audit.models import AuditEvent
    from leadreview.exercise.debrief import ExerciseDebrief
    from leadreview.exercise.invites import Invite, InviteStatus
    from leadreview.exercise.views import ExerciseProgress, ParticipantBoard


@dataclass
class CasesLoaded(Message):
    """Every case the actor may see; during an exercise, the participant's board (their
    cases and the injects released), or why they could not join it."""

    cases: Sequence[CaseSummary]
    board: "ParticipantBoard | None" = None
    join_refused: str | None = None


@dataclass
class CaseLoaded(Message):
    case: CaseDetail
    # Leads whose rows disagree with the audit log, with what disagrees.
    disagreements: dict[int, list[str]] | None = None


@dataclass
class ProbePictureLoaded(Message):
    case_id: int
    image: "Image | None"


@dataclass
class LeadOpened(Message):
    """The highlighted lead's record and picture, loaded together."""

    detail: LeadDetail
    image: "Image | None"


@dataclass
class LeadDecided(Message):
    lead: LeadView


@dataclass
class DecisionRefused(Message):
    """The service refused the decision: nothing was written. `decided_by` is set when
    another session decided the lead first."""

    lead_id: int
    reason: str
    decided_by: tuple[str, ...] = ()


@dataclass
class EventsLoaded(Message):
    events: "Sequence[AuditEvent]"


@dataclass
class AuditVerified(Message):
    result: AuditVerification


@dataclass
class AuditExported(Message):
    where: str


@dataclass
class DebriefLoaded(Message):
    """What the debrief screen shows: the exercise's own debrief once its truth is
    revealed; nothing while the truth is sealed or when there is no exercise."""

    exercise: ExerciseState | None
    exercise_debrief: "ExerciseDebrief | None" = None


@dataclass
class ProgressLoaded(Message):
    progress: "ExerciseProgress"


@dataclass
class ConsoleStateLoaded(Message):
    state: ExerciseState | None


@dataclass
class ConsoleDone(Message):
    """A facilitator's step has been recorded: say so and read the board again."""

    text: str


@dataclass
class InviteIssued(Message):
    """A join code, to be shown once and then forgotten."""

    invite: "Invite"


@dataclass
class InvitesLoaded(Message):
    exercise_id: int
    invites: "Sequence[InviteStatus]"


@dataclass
class TruthRevealed(Message):
    exercise: ExerciseState


@dataclass
class ReportWritten(Message):
    report: WrittenReport


@dataclass
class EnforcementAnswered(Message):
    """The enforcement gate's answer, granted or refused; either way on record."""

    lead_id: int
    granted: bool
    reason: str


@dataclass
class ChangesSeen(Message):
    """The change mark (the audit log's head), read by the app's live poll."""

    mark: int


@dataclass
class ScreenRefused(Message):
    """A screen the actor's role may not open was asked for: the service's refusal (on
    record) in one line."""

    reason: str
