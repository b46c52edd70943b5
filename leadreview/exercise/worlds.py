"""Each exercise's own world, rebuilt from the scenario and seed stored with it.

A lead's picture, its booking record and (for the debrief) the ground truth come from the
world of the exercise the case belongs to, not from one bundled world: a participant in
`wcso-cold-cases` compares the probe with the faces of that exercise's gallery. The world
is derived deterministically from the stored scenario text, so any process (a terminal
app, a browser under `serve`, the debrief) rebuilds the same gallery; it is built once per
scenario and kept, because a gallery of tens of thousands of faces takes seconds to make.
"""

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel import col, select

from leadreview.domain.identity import PersonRecord
from leadreview.domain.probe import ProbeTruth
from leadreview.exercise.loading import LoadedExercise
from leadreview.exercise.records import stored_scenario
from leadreview.store.tables.exercise import ExerciseCaseRow, ExerciseRow
from leadreview.store.tables.workflow import LeadRow, ProbeRow

if TYPE_CHECKING:
    from PIL.Image import Image

    from leadreview.exercise.world import ExerciseWorld
    from leadreview.store.store import Store


def stored_exercise(row: ExerciseRow) -> LoadedExercise:
    """The exercise as it was started, from its stored bytes (the policies are not needed
    to rebuild its world, and the files they came from may be gone)."""
    return LoadedExercise(
        scenario=stored_scenario(row),
        path=Path(f"exercise-{row.id}/{row.scenario_name}.yaml"),
        data=row.scenario_text.encode("utf-8"),
        sha256=row.scenario_sha256,
        policies=(),
        policy_paths=(),
    )


class ExerciseWorlds:
    """The worlds of the exercises in one database, found from a case, a face or a probe.

    Serves the workflow's `GalleryRecords` port and the gateway's `LeadPictures` and
    `GroundTruthSource` ports. Thread-safe: the app calls it from worker threads.
    """

    def __init__(self, store: "Store") -> None:
        self._store = store
        self._by_scenario: dict[str, ExerciseWorld] = {}  # scenario sha256 -> world
        self._scenario_of: dict[int, str] = {}  # exercise id -> scenario sha256
        self._lock = threading.Lock()

    def remember(self, world: "ExerciseWorld") -> None:
        """A world already built (e.g. to start the exercise): not built again."""
        with self._lock:
            self._by_scenario.setdefault(world.exercise.sha256, world)

    def of_exercise(self, exercise_id: int) -> "ExerciseWorld":
        from leadreview.exercise.records import get_exercise
        from leadreview.exercise.world import build_exercise_world

        with self._lock:
            digest = self._scenario_of.get(exercise_id)
            if digest is not None and digest in self._by_scenario:
                return self._by_scenario[digest]
            with self._store.reading() as session:
                loaded = stored_exercise(get_exercise(session, exercise_id))
            self._scenario_of[exercise_id] = loaded.sha256
            world = self._by_scenario.get(loaded.sha256)
            if world is None:
                # Built under the lock: two screens asking at once build it once.
                world = build_exercise_world(loaded)
                self._by_scenario[loaded.sha256] = world
            return world

    def of_case(self, case_id: int) -> "ExerciseWorld | None":
        with self._store.reading() as session:
            exercise_id = session.exec(
                select(ExerciseCaseRow.exercise_id).where(col(ExerciseCaseRow.case_id) == case_id)
            ).first()
        return self.of_exercise(exercise_id) if exercise_id is not None else None

    def of_face(self, face_id: str) -> "ExerciseWorld | None":
        """The world whose gallery holds this face: a face id names its gallery, so the
        first exercise case that returned it as a lead is as good as any."""
        with self._store.reading() as session:
            case_id = session.exec(
                select(LeadRow.case_id)
                .join(ExerciseCaseRow, col(ExerciseCaseRow.case_id) == col(LeadRow.case_id))
                .where(col(LeadRow.face_id) == face_id)
                .limit(1)
            ).first()
        return self.of_case(case_id) if case_id is not None else None

    # GalleryRecords (workflow port)
    def record_for(self, face_id: str, external_image_id: str | None) -> PersonRecord | None:
        world = self.of_face(face_id)
        return world.record_for(face_id, external_image_id) if world else None

    # LeadPictures (gateway port)
    def picture_for(self, face_id: str) -> "Image | None":
        world = self.of_face(face_id)
        return world.picture_for(face_id) if world else None

    # GroundTruthSource (gateway port)
    def truth_for(self, probe_ref: str) -> ProbeTruth | None:
        with self._store.reading() as session:
            case_id = session.exec(
                select(ProbeRow.case_id)
                .where(col(ProbeRow.probe_ref) == probe_ref, col(ProbeRow.case_id).is_not(None))
                .limit(1)
            ).first()
        world = self.of_case(case_id) if case_id is not None else None
        if world is None:
            return None
        from leadreview.exercise.world import key_probe_ref

        scenario = world.exercise.scenario
        for case in world.cases:
            earlier = key_probe_ref(scenario.name, scenario.world.seed, case.spec.id)
            if probe_ref in (case.probe_ref, earlier):
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
        world = self.of_face(face_id)
        return world.group_of(face_id) if world else None
