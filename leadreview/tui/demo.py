"""The bundled demo: a tabletop exercise from `fixtures/scenarios/exercises`, started once,
its cases ready to review.

`leadreview` with no arguments opens the app on it. The exercise's world is derived from
its seed, so every session (and every browser under `leadreview serve`) rebuilds the same
gallery and finds the same faces in the shared database; the exercise is started (its
cases opened through the workflow, its ground truth stored) by whichever session first
finds the database without cases. Nothing here imports Textual, and the world is built
on first use, in a worker thread, never at start-up.
"""

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from leadreview.domain.identity import PersonRecord
from leadreview.domain.probe import ProbeTruth
from leadreview.domain.roles import Actor, Role
from leadreview.exercise.permissions import DEMO_FACILITATOR_NAME

if TYPE_CHECKING:
    from PIL.Image import Image

    from leadreview.exercise.world import ExerciseWorld
    from leadreview.workflow.context import WorkflowContext

# A confident wrong lead, a true one, and a push for an arrest: the debrief has a story.
DEMO_EXERCISE = "blurry-cctv"
DEMO_FACILITATOR = Actor(name=DEMO_FACILITATOR_NAME, role=Role.FACILITATOR)


@dataclass
class DemoWorld:
    """The exercise's world, and the ports the workflow and the gateway read from it:
    booking records, gallery pictures and (for the debrief) the ground truth."""

    exercise: str = DEMO_EXERCISE
    _world: "ExerciseWorld | None" = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def world(self) -> "ExerciseWorld":
        with self._lock:
            if self._world is None:
                from leadreview.exercise.loading import load_exercise
                from leadreview.exercise.world import build_exercise_world

                self._world = build_exercise_world(load_exercise(self.exercise))
            return self._world

    # GalleryRecords (workflow port)
    def record_for(self, face_id: str, external_image_id: str | None) -> PersonRecord | None:
        return self.world.record_for(face_id, external_image_id)

    # LeadPictures (gateway port)
    def picture_for(self, face_id: str) -> "Image | None":
        return self.world.picture_for(face_id)

    # GroundTruthSource (gateway port)
    def truth_for(self, probe_ref: str) -> ProbeTruth | None:
        for case in self.world.cases:
            if case.probe_ref == probe_ref:
                truth = case.truth
                return ProbeTruth(
                    probe_id=probe_ref,
                    mated=truth.mated,
                    mate_face_id=truth.mate_face_id,
                    subject_group=truth.subject_group,
                    subject_sex=truth.subject_sex,
                    subject_age_band=truth.subject_age_band,
                )
        return None

    def group_of(self, face_id: str) -> str | None:
        return self.world.group_of(face_id)


def seed_demo_cases(ctx: "WorkflowContext", demo: DemoWorld) -> int:
    """Start the demo exercise if the database has no cases yet; how many were opened."""
    from leadreview.exercise.service import ExerciseService
    from leadreview.workflow.queries import case_summaries

    with ctx.store.reading() as session:
        if case_summaries(session):
            return 0
    summary = ExerciseService(ctx).start(DEMO_FACILITATOR, demo.world)
    return len(summary.case_ids)
