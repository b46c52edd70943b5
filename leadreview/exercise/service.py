"""`ExerciseService`: the one object the CLI and the TUI hold to run an exercise.

Write methods are units of work of their own and check the actor's role first (a
refusal is audited); reads return frozen views. Synchronous: a TUI calls them from a
thread worker.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from leadreview.domain.decision import DecisionKind
from leadreview.domain.roles import Actor, Role
from leadreview.exercise import hotwash, lifecycle, participation, records
from leadreview.exercise.debrief import ExerciseDebrief, build_debrief
from leadreview.exercise.permissions import ExerciseAction, require
from leadreview.exercise.progress import progress
from leadreview.exercise.records import Status
from leadreview.exercise.views import (
    Assignment,
    ExerciseProgress,
    ExerciseSummary,
    ExpectationState,
    HotwashSheet,
    ParticipantBoard,
    ParticipantView,
    Reveal,
)
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.views import LeadView

if TYPE_CHECKING:
    from leadreview.audit.service import AuditContext
    from leadreview.exercise.after_action import AfterActionReport
    from leadreview.exercise.invites import Invite, InviteStatus
    from leadreview.exercise.package import PackageSummary
    from leadreview.exercise.world import ExerciseWorld


@dataclass(frozen=True)
class ExerciseService:
    ctx: WorkflowContext

    # --- the facilitator ----------------------------------------------------------------

    def start(self, actor: Actor, world: "ExerciseWorld") -> ExerciseSummary:
        exercise_id = lifecycle.start(self.ctx, actor, world)
        return self.summary(exercise_id)

    def assign(
        self,
        actor: Actor,
        exercise_id: int,
        *,
        case_key: str | None = None,
        participant: str | None = None,
    ) -> list[Assignment]:
        return lifecycle.assign(
            self.ctx, actor, exercise_id, case_key=case_key, participant=participant
        )

    def release_inject(self, actor: Actor, exercise_id: int, inject_key: str) -> bool:
        return lifecycle.release_inject(self.ctx, actor, exercise_id, inject_key)

    def release_due(self, exercise_id: int) -> list[str]:
        """Scheduled injects whose time has come, released by the exercise's clock."""
        return lifecycle.release_due(self.ctx, exercise_id)

    def pause(self, actor: Actor, exercise_id: int) -> None:
        """Stop the exercise clock: timed injects wait and participants' decisions are
        refused (and audited) until it resumes."""
        from leadreview.exercise import pausing

        pausing.pause(self.ctx, actor, exercise_id)

    def resume(self, actor: Actor, exercise_id: int) -> None:
        from leadreview.exercise import pausing

        pausing.resume(self.ctx, actor, exercise_id)

    def extend(self, actor: Actor, exercise_id: int, minutes: float) -> float | None:
        """Add minutes to the time limit; the limit now (None if the scenario has none)."""
        from leadreview.exercise import pausing

        return pausing.extend(self.ctx, actor, exercise_id, minutes)

    def progress(self, viewer: Actor, exercise_id: int) -> ExerciseProgress:
        """The console: scheduled injects whose time has come are released first."""
        require(self.ctx, viewer, ExerciseAction.PROGRESS, {"exercise_id": exercise_id})
        self.release_due(exercise_id)
        with self.ctx.store.reading() as session:
            return progress(session, exercise_id, self.ctx.clock())

    def reveal(self, actor: Actor, exercise_id: int) -> Reveal:
        return lifecycle.reveal(self.ctx, actor, exercise_id)

    def close(self, actor: Actor, exercise_id: int) -> None:
        lifecycle.close(self.ctx, actor, exercise_id)

    def debrief(self, viewer: Actor, exercise_id: int) -> ExerciseDebrief:
        """Available once the ground truth is revealed."""
        require(self.ctx, viewer, ExerciseAction.DEBRIEF, {"exercise_id": exercise_id})
        with self.ctx.store.reading() as session:
            row = records.get_exercise(session, exercise_id)
            records.require_status(row, Status.REVEALED, Status.CLOSED)
            records.require_revealed(session, row)
            return build_debrief(session, exercise_id)

    def export(
        self, viewer: Actor, exercise_id: int, directory: Path, audit: "AuditContext"
    ) -> "PackageSummary":
        from leadreview.exercise.package import export_package

        require(self.ctx, viewer, ExerciseAction.EXPORT, {"exercise_id": exercise_id})
        report = self.after_action(viewer, exercise_id)
        return export_package(self.ctx.store, report, directory, audit)

    def validate_expectation(
        self, actor: Actor, exercise_id: int, expectation: str, met: bool, note: str
    ) -> None:
        hotwash.validate(self.ctx, actor, exercise_id, expectation, met, note)

    def plan_improvement(
        self,
        actor: Actor,
        exercise_id: int,
        *,
        area: str,
        action: str,
        owner: str,
        due: date,
        objective: str | None = None,
    ) -> None:
        hotwash.plan(
            self.ctx,
            actor,
            exercise_id,
            area=area,
            action=action,
            owner=owner,
            due=due,
            objective=objective,
        )

    def after_action(self, viewer: Actor, exercise_id: int) -> "AfterActionReport":
        """The AAR/IP: the debrief, expectations scored, the hot wash and the plan."""
        from leadreview.exercise.after_action import build_report
        from leadreview.workflow.audit_queries import exercise_events

        debrief = self.debrief(viewer, exercise_id)
        with self.ctx.store.reading() as session:
            scenario = records.stored_scenario(records.get_exercise(session, exercise_id))
            journal = exercise_events(session, exercise_id, set(debrief.exercise.case_ids))
            return build_report(
                scenario,
                debrief,
                hotwash.validations(session, exercise_id),
                hotwash.improvements(session, exercise_id),
                hotwash.answers(session, exercise_id),
                journal,
            )

    # --- participants -------------------------------------------------------------------

    def answer_hotwash(self, actor: Actor, exercise_id: int, question: int, answer: str) -> None:
        """A hot-wash answer, after the reveal, by someone who took part or the facilitator."""
        hotwash.answer(self.ctx, actor, exercise_id, question, answer)

    def invite(
        self, actor: Actor, exercise_id: int, name: str, role: Role, expires_in: timedelta | None
    ) -> "Invite":
        """A join code for `name` in `role`, shown once (the exercise's facilitator)."""
        from leadreview.exercise import invites

        return invites.issue(self.ctx, actor, exercise_id, name, role, expires_in)

    def revoke_invite(self, actor: Actor, exercise_id: int, invite_id: int) -> bool:
        from leadreview.exercise import invites

        return invites.revoke(self.ctx, actor, exercise_id, invite_id)

    def invites(self, actor: Actor, exercise_id: int) -> "list[InviteStatus]":
        """The exercise's invites, used or not, never their codes (its facilitator)."""
        from leadreview.exercise import invites

        return invites.invites(self.ctx, actor, exercise_id)

    def redeem_join_code(self, code: str) -> tuple[int, Actor]:
        """Sign in with a join code: (exercise id, the invited principal), or JoinRefused."""
        from leadreview.exercise import invites

        return invites.redeem(self.ctx, code)

    def hotwash_sheet(self, actor: Actor, exercise_id: int) -> HotwashSheet:
        """The questions and the actor's own answers; the expectations and their
        judgements. Nothing is written; answering checks who may."""
        with self.ctx.store.reading() as session:
            row = records.get_exercise(session, exercise_id)
            records.require_status(row, Status.REVEALED, Status.CLOSED)
            scenario = records.stored_scenario(row)
            mine: dict[int, str] = {}
            for given in hotwash.answers(session, exercise_id):
                if given.by == actor.name:
                    mine[given.question_index] = given.answer  # the latest counts
            judged = hotwash.validations(session, exercise_id)
            title, status = row.title, row.status
        return HotwashSheet(
            exercise_id=exercise_id,
            title=title,
            status=status,
            questions=tuple(scenario.debrief_questions),
            my_answers=tuple(mine.get(i) for i in range(1, len(scenario.debrief_questions) + 1)),
            expectations=tuple(
                ExpectationState(
                    expectation=e.id,
                    text=e.text,
                    check=e.check.value,
                    met=judged[e.id].met if e.id in judged else None,
                )
                for e in scenario.expectations
            ),
        )

    def join(self, actor: Actor, exercise_id: int) -> ParticipantView:
        return participation.join(self.ctx, actor, exercise_id)

    def board(self, actor: Actor, exercise_id: int) -> ParticipantBoard:
        """A participant's cases and the injects out; what has come due is released
        first (by the exercise's clock, whoever's command notices it first), so injects
        reach participants while the facilitator is away from the console. Only a seated
        participant's look releases anything: on PostgreSQL the database admits the
        clock's release from a seated login alone."""
        participation.require_seat(self.ctx, actor, exercise_id)
        self.release_due(exercise_id)
        return participation.board(self.ctx, actor, exercise_id)

    def decide(
        self,
        actor: Actor,
        exercise_id: int,
        lead_id: int,
        kind: DecisionKind,
        rationale: str,
        *,
        expected_version: int | None = None,
    ) -> LeadView:
        lead = participation.decide(
            self.ctx,
            actor,
            exercise_id,
            lead_id,
            kind,
            rationale,
            expected_version=expected_version,
        )
        # A decision is what a conditional inject waits for ("when a lead is forwarded"):
        # it comes out now, in its own transaction after the decision's, not at the
        # facilitator's next look at the console. On PostgreSQL the database lets the
        # clock's release through from a seated participant's login only when it finds
        # the inject due itself (migration 0008); any other refusal is not hidden.
        self.release_due(exercise_id)
        return lead

    # --- anyone -------------------------------------------------------------------------

    def current_exercise_id(self) -> int:
        with self.ctx.store.reading() as session:
            return records.current_exercise_id(session)

    def summary(self, exercise_id: int) -> ExerciseSummary:
        with self.ctx.store.reading() as session:
            return records.summary(session, records.get_exercise(session, exercise_id))
