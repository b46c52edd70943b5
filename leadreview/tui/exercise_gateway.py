"""The exercise half of the one gateway between the terminal app and the services: the
exercise's progress, reveal and debrief, the hot wash, and the facilitator's console.

A mixin of `ServiceGateway`, which provides the exercise service, the workflow, the
pictures and where files go; kept apart so that each file holds one idea. Every method
blocks and is called from a thread worker.
"""

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from leadreview.domain.roles import Actor, Role
from leadreview.errors import PermissionRefused
from leadreview.exercise.views import ExerciseProgress, HotwashSheet
from leadreview.tui.read_models import ExerciseState
from leadreview.workflow.errors import NotFound

if TYPE_CHECKING:
    from leadreview.audit.service import AuditContext
    from leadreview.exercise.debrief import ExerciseDebrief
    from leadreview.exercise.invites import Invite, InviteStatus
    from leadreview.exercise.service import ExerciseService
    from leadreview.tui.service_gateway import LeadPictures
    from leadreview.workflow.service import ReviewWorkflow


class ExerciseMethods:
    # Provided by ServiceGateway.
    @property
    def _exercises(self) -> "ExerciseService":
        raise NotImplementedError

    @property
    def workflow(self) -> "ReviewWorkflow":
        raise NotImplementedError

    @property
    def pictures(self) -> "LeadPictures | None":
        raise NotImplementedError

    @property
    def audit_context(self) -> "AuditContext | None":
        raise NotImplementedError

    @property
    def export_dir(self) -> Path:
        raise NotImplementedError

    @property
    def report_dir(self) -> Path | None:
        raise NotImplementedError

    def exercise_progress(self, actor: Actor, exercise_id: int) -> ExerciseProgress:
        return self._exercises.progress(actor, exercise_id)

    def exercise_debrief(self, actor: Actor, exercise_id: int) -> "ExerciseDebrief":
        return self._exercises.debrief(actor, exercise_id)

    def reveal_truth(self, actor: Actor, exercise_id: int) -> ExerciseState:
        self._exercises.reveal(actor, exercise_id)
        summary = self._exercises.summary(exercise_id)
        return ExerciseState(exercise_id=exercise_id, title=summary.title, status=summary.status)

    # --- the hot wash, after the reveal ----------------------------------------------

    def hotwash_sheet(self, actor: Actor) -> HotwashSheet | None:
        from leadreview.exercise.records import Status

        try:
            exercise_id = self._exercises.current_exercise_id()
        except NotFound:
            return None
        if self._exercises.summary(exercise_id).status != Status.REVEALED.value:
            return None
        return self._exercises.hotwash_sheet(actor, exercise_id)

    def answer_hotwash(self, actor: Actor, exercise_id: int, question: int, answer: str) -> None:
        self._exercises.answer_hotwash(actor, exercise_id, question, answer)

    def validate_expectation(
        self, actor: Actor, exercise_id: int, expectation: str, met: bool, note: str
    ) -> None:
        self._exercises.validate_expectation(actor, exercise_id, expectation, met, note)

    # --- the facilitator's console ----------------------------------------------------

    def start_exercise(self, actor: Actor, scenario: str) -> ExerciseState:
        from leadreview.exercise.loading import load_exercise
        from leadreview.exercise.permissions import ExerciseAction, require
        from leadreview.exercise.world import build_exercise_world
        from leadreview.exercise.worlds import ExerciseWorlds

        # The role first: a refusal is audited before seconds go into building a world.
        require(self.workflow.ctx, actor, ExerciseAction.START, {"scenario": scenario})
        world = build_exercise_world(load_exercise(scenario))
        if isinstance(self.pictures, ExerciseWorlds):
            self.pictures.remember(world)  # its pictures are then not built again
        summary = self._exercises.start(actor, world)
        return ExerciseState(
            exercise_id=summary.exercise_id, title=summary.title, status=summary.status
        )

    def assign_cases(
        self,
        actor: Actor,
        exercise_id: int,
        case_key: str | None = None,
        participant: str | None = None,
    ) -> int:
        made = self._exercises.assign(
            actor, exercise_id, case_key=case_key, participant=participant
        )
        return len(made)

    def release_inject(self, actor: Actor, exercise_id: int, inject_key: str) -> bool:
        return self._exercises.release_inject(actor, exercise_id, inject_key)

    def pause_exercise(self, actor: Actor, exercise_id: int, paused: bool) -> None:
        if paused:
            self._exercises.pause(actor, exercise_id)
        else:
            self._exercises.resume(actor, exercise_id)

    def extend_exercise(self, actor: Actor, exercise_id: int, minutes: float) -> float | None:
        return self._exercises.extend(actor, exercise_id, minutes)

    def close_exercise(self, actor: Actor, exercise_id: int) -> None:
        self._exercises.close(actor, exercise_id)

    # The same service calls as `exercise invite` and `exercise revoke-invite`.

    def issue_invite(
        self, actor: Actor, exercise_id: int, name: str, role: Role, expires: str
    ) -> "Invite":
        from leadreview.exercise.invites import DEFAULT_EXPIRY, expiry_from_text

        lasts = expiry_from_text(expires.strip() or DEFAULT_EXPIRY, "expires in")
        return self._exercises.invite(actor, exercise_id, name, role, lasts)

    def list_invites(self, actor: Actor, exercise_id: int) -> "list[InviteStatus]":
        return self._exercises.invites(actor, exercise_id)

    def revoke_invite(self, actor: Actor, exercise_id: int, invite_id: int) -> bool:
        return self._exercises.revoke_invite(actor, exercise_id, invite_id)

    def export_exercise(self, actor: Actor, exercise_id: int) -> str:
        if self.audit_context is None:
            raise PermissionRefused("export: no signing key configured for checkpoints")
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = (self.report_dir or self.export_dir) / f"exercise-{exercise_id}-{stamp}"
        summary = self._exercises.export(actor, exercise_id, target, self.audit_context)
        return f"{summary.directory} ({len(summary.files)} files, {summary.events} events)"
