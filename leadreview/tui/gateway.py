"""What the UI needs from the services, and nothing more.

The screens only ever call a `ReviewGateway`; `service_gateway.py` adapts the workflow
and audit services to it, and tests may pass a fake. Every method blocks and is called
from a thread worker, never on the event loop. Everything returned is a frozen read
model (the workflow's views, the audit log's events): the UI never holds an ORM row.
"""

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from leadreview.domain.decision import DecisionKind
from leadreview.domain.roles import Actor, Role
from leadreview.tui.read_models import (
    AuditVerification,
    EventFilter,
    ExerciseState,
    WrittenReport,
)
from leadreview.workflow.views import (
    CaseDetail,
    CaseSummary,
    EnforcementView,
    LeadDetail,
    LeadView,
)

if TYPE_CHECKING:
    # Type-only: importing the audit package loads SQLAlchemy, which start-up avoids.
    from PIL.Image import Image

    from leadreview.audit.models import AuditEvent
    from leadreview.domain.enforcement import EnforcementKind, EvidenceItem
    from leadreview.exercise.debrief import ExerciseDebrief
    from leadreview.exercise.invites import Invite, InviteStatus
    from leadreview.exercise.views import ExerciseProgress, HotwashSheet, ParticipantBoard


class ReviewGateway(Protocol):
    def list_cases(self, actor: Actor) -> Sequence[CaseSummary]:
        """Every case, newest first, with the actor's own progress on each."""
        ...

    def get_case(self, actor: Actor, case_id: int) -> CaseDetail:
        """A case with its probe, ranked leads, verdicts per policy and decisions."""
        ...

    def get_lead(self, actor: Actor, lead_id: int) -> LeadDetail:
        """One lead with the gallery's booking record of its face."""
        ...

    def log_disagreements(self, case_id: int) -> dict[int, list[str]]:
        """Leads of the case whose rows disagree with the audit log, and how (P15)."""
        ...

    def decide(
        self,
        actor: Actor,
        lead_id: int,
        kind: DecisionKind,
        rationale: str,
        expected_version: int,
    ) -> LeadView:
        """Record a decision and its audit event in one transaction; the lead as it is now.

        A lead of the running exercise's cases is decided through the exercise, so that
        it counts as the participant's and a case not assigned to them is refused
        (`PermissionRefused`, audited). Raises the workflow's `DecisionConflict` when
        another session decided the lead since `expected_version` (nothing is
        overwritten), `EmptyRationale` for a blank rationale, `LeadNotOpen` for a lead no
        longer open, `PermissionRefused`.
        """
        ...

    def sign_in(self, join_code: str) -> Actor:
        """The principal a facilitator's join code names (the code is used up), for a
        served room; `PermissionRefused` (audited) for a code that signs nobody in."""
        ...

    def end_idle_session(self, actor: Actor, idle_seconds: int) -> None:
        """Record that the session was closed after `idle_seconds` without input."""
        ...

    def request_enforcement(
        self,
        actor: Actor,
        lead_id: int,
        kind: "EnforcementKind",
        evidence: "Sequence[EvidenceItem]",
    ) -> "EnforcementView":
        """Ask the enforcement gate; the granted request. Raises `EnforcementRefused`
        (the refusal already on record) when the gate refuses, `PermissionRefused` for a
        role that may not ask."""
        ...

    def join_exercise(self, actor: Actor) -> "ParticipantBoard | None":
        """Join the running exercise in the actor's role (idempotent; `exercise.joined`
        on the first join) and return their board: assigned cases, released injects.
        None when no exercise is running, or for the facilitator, who takes no seat.
        Raises `PermissionRefused` (audited) when the role has no seat left."""
        ...

    def exercise_board(self, actor: Actor, exercise_id: int) -> "ParticipantBoard":
        """A joined participant's board, read again (nothing is written)."""
        ...

    def change_mark(self) -> int:
        """A number that grows whenever anything is recorded (the audit log's head):
        cheap enough to poll every few seconds, so that views update on their own."""
        ...

    def probe_picture(self, case_id: int) -> "Image | None": ...

    def lead_picture(self, lead_id: int) -> "Image | None": ...

    def list_events(self, actor: Actor, query: EventFilter) -> "Sequence[AuditEvent]": ...

    def verify_audit(self, actor: Actor) -> AuditVerification: ...

    def export_audit(self, actor: Actor, fmt: str) -> str:
        """Export the log as 'jsonl' or 'csv'; returns where the file went."""
        ...

    def exercise_state(self, actor: Actor, screen: str = "debrief") -> ExerciseState | None:
        """The exercise running in this database, or None (facilitator only; a refusal is
        audited, naming the `screen` that asked: the debrief or the console)."""
        ...

    def exercise_progress(self, actor: Actor, exercise_id: int) -> "ExerciseProgress":
        """Per participant, decisions made and pending; scheduled injects come due first."""
        ...

    def exercise_debrief(self, actor: Actor, exercise_id: int) -> "ExerciseDebrief":
        """The exercise's own debrief, once its ground truth is revealed."""
        ...

    def reveal_truth(self, actor: Actor, exercise_id: int) -> ExerciseState:
        """Open the sealed ground truth: an `exercise.revealed` event; idempotent."""
        ...

    def hotwash_sheet(self, actor: Actor) -> "HotwashSheet | None":
        """The debrief questions and the actor's own answers, and the expectations, for
        the exercise whose truth is revealed; None before the reveal (nothing written)."""
        ...

    def answer_hotwash(self, actor: Actor, exercise_id: int, question: int, answer: str) -> None:
        """One hot-wash answer (question numbered from 1), an audited event; refused
        (audited) for someone who did not take part."""
        ...

    def validate_expectation(
        self, actor: Actor, exercise_id: int, expectation: str, met: bool, note: str
    ) -> None:
        """The facilitator's judgement of an expectation, with a note; the latest counts."""
        ...

    def start_exercise(self, actor: Actor, scenario: str) -> ExerciseState:
        """Start an exercise from a scenario (a bundled name or a path): its world built,
        its cases opened, `exercise.started` on record (facilitator only)."""
        ...

    def assign_cases(
        self,
        actor: Actor,
        exercise_id: int,
        case_key: str | None = None,
        participant: str | None = None,
    ) -> int:
        """Assign one case to one participant, or (neither given) every case round robin;
        how many assignments were made."""
        ...

    def release_inject(self, actor: Actor, exercise_id: int, inject_key: str) -> bool:
        """Release an inject by hand; False when it was already out."""
        ...

    def pause_exercise(self, actor: Actor, exercise_id: int, paused: bool) -> None:
        """Stop (True) or restart (False) the exercise clock (facilitator only; a refusal,
        such as pausing a paused exercise, is audited)."""
        ...

    def extend_exercise(self, actor: Actor, exercise_id: int, minutes: float) -> float | None:
        """Add minutes to the time limit; the limit now (None: the scenario has none)."""
        ...

    def close_exercise(self, actor: Actor, exercise_id: int) -> None: ...

    def issue_invite(
        self, actor: Actor, exercise_id: int, name: str, role: Role, expires: str
    ) -> "Invite":
        """A one-time join code for `name` in `role`, valid for `expires` (e.g. 2h; empty:
        the CLI's default), `exercise.invite_issued` on record. The code is in the answer
        only: the database keeps its SHA-256."""
        ...

    def list_invites(self, actor: Actor, exercise_id: int) -> "Sequence[InviteStatus]":
        """The exercise's invites, used, revoked or outstanding: never their codes."""
        ...

    def revoke_invite(self, actor: Actor, exercise_id: int, invite_id: int) -> bool:
        """Revoke an unused code (`exercise.invite_revoked`); False if used or revoked."""
        ...

    def export_exercise(self, actor: Actor, exercise_id: int) -> str:
        """Write the exercise package (the AAR/IP and the signed journal) into the data
        directory once the truth is revealed; says where it went."""
        ...

    def write_debrief_report(self, actor: Actor, path: Path | None = None) -> WrittenReport:
        """Write the HTML report (the exercise's debrief once revealed, else the audit
        report) to `path` or the data directory, its SHA-256 on record before it appears."""
        ...
