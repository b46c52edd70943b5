"""The bundled demo: a tabletop exercise from `fixtures/scenarios/exercises`, started once,
its cases ready to review.

`leadreview` with no arguments opens the app on it. The exercise's world is derived from
its seed, so every session (and every browser under `leadreview serve`) rebuilds the same
gallery and finds the same faces in the shared database (`exercise/worlds.py`); the
exercise is started (its cases opened through the workflow, its ground truth stored) by
whichever session first finds the database without cases. Nothing here imports Textual,
and the world is built on first use, in a worker thread, never at start-up.
"""

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from leadreview.domain.roles import Actor, Role
from leadreview.exercise.system_principals import DEMO_FACILITATOR_NAME, DEMO_SCENARIO

if TYPE_CHECKING:
    from leadreview.exercise.world import ExerciseWorld
    from leadreview.exercise.worlds import ExerciseWorlds
    from leadreview.workflow.context import WorkflowContext

DEMO_EXERCISE = DEMO_SCENARIO
DEMO_FACILITATOR = Actor(name=DEMO_FACILITATOR_NAME, role=Role.FACILITATOR)


@dataclass
class DemoWorld:
    """The demo exercise's world, built once to start the exercise. Pictures, records and
    the ground truth are read through `ExerciseWorlds`, which this hands its world to."""

    exercise: str = DEMO_EXERCISE
    worlds: "ExerciseWorlds | None" = None
    _world: "ExerciseWorld | None" = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def world(self) -> "ExerciseWorld":
        with self._lock:
            if self._world is None:
                from leadreview.exercise.loading import load_exercise
                from leadreview.exercise.world import build_exercise_world

                self._world = build_exercise_world(load_exercise(self.exercise))
                if self.worlds is not None:
                    self.worlds.remember(self._world)
            return self._world


def seed_demo_cases(ctx: "WorkflowContext", demo: DemoWorld) -> int:
    """Start the demo exercise if the database has no cases yet; how many were opened."""
    from leadreview.exercise.service import ExerciseService
    from leadreview.workflow.queries import case_summaries

    with ctx.store.reading() as session:
        if case_summaries(session):
            return 0
    summary = ExerciseService(ctx).start(DEMO_FACILITATOR, demo.world)
    return len(summary.case_ids)
