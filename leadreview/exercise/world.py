"""The world of an exercise: a seeded gallery and one probe per case, ground truth apart.

Everything derives from the scenario and its seed, so any process (a participant's TUI,
the debrief) rebuilds the same gallery and finds the same faces; the database keeps the
ground truth too, so the debrief never depends on rebuilding.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, cast

import numpy as np

from leadreview.domain.case import CaseOpening
from leadreview.domain.identity import PersonRecord
from leadreview.domain.probe import CaptureQuality
from leadreview.exercise.loading import LoadedExercise, field_error
from leadreview.exercise.probes import BuiltProbe, CaseTruth, Unsatisfiable, build_case_probe
from leadreview.exercise.scenario import CaseSpec
from leadreview.simulation.gallery import Gallery
from leadreview.simulation.scenario import GallerySpec
from leadreview.simulation.score_model import ScoreModel

if TYPE_CHECKING:
    from PIL.Image import Image

    from leadreview.workflow.cases import SearchBackend

PICTURE_SIZE = 96
# Exercise probes are dated in the year the WCSO described its practice (FACTS.md).
CAPTURED_FROM = datetime(2018, 3, 1, 9, 0, tzinfo=UTC)


def probe_ref_of(scenario: str, seed: int, position: int) -> str:
    """The reference of a case's probe, which participants see on the case screen: it
    names the case's position, never its key, which a scenario's author may have named
    after its answer ("theft-true-lead")."""
    return f"{scenario}-{seed}-probe-{position + 1}"


def key_probe_ref(scenario: str, seed: int, case_key: str) -> str:
    """The reference exercises started before `probe_ref_of` gave their probes (the case
    key in it): still found in their databases."""
    return f"{scenario}-{seed}-{case_key}"


@dataclass(frozen=True)
class ExerciseCase:
    spec: CaseSpec
    position: int
    probe_ref: str
    embedding: np.ndarray
    truth: CaseTruth


@dataclass(frozen=True)
class ExerciseWorld:
    exercise: LoadedExercise
    gallery: Gallery
    model: ScoreModel
    cases: tuple[ExerciseCase, ...]

    @property
    def collection_id(self) -> str:
        return f"exercise-{self.exercise.scenario.name}"

    def backend(self) -> "SearchBackend":
        from leadreview.search.collections import load_gallery
        from leadreview.search.protocol import FaceSearchClient
        from leadreview.search.simulated import SimulatedRekognition
        from leadreview.workflow.cases import SearchBackend

        client = SimulatedRekognition(self.model.similarity)
        load_gallery(client, self.collection_id, self.gallery)
        return SearchBackend(
            client=cast(FaceSearchClient, client), collection_id=self.collection_id
        )

    def opening(self, case: ExerciseCase) -> CaseOpening:
        from leadreview.search.probe_image import encode_probe_image
        from leadreview.simulation.face_renderer import render_face

        pixels = render_face(case.embedding, case.spec.quality, PICTURE_SIZE)
        return CaseOpening(
            offense=case.spec.offense,
            use_case=case.spec.use_case,
            quality=case.spec.quality,
            source=case.spec.source,
            image=encode_probe_image(case.embedding, pixels),
            probe_ref=case.probe_ref,
            captured_at=CAPTURED_FROM + timedelta(days=3 * case.position, hours=case.position),
        )

    # GalleryRecords (workflow port) and the pictures a TUI shows
    def record_for(self, face_id: str, external_image_id: str | None) -> PersonRecord | None:
        index = self.gallery.index_of(face_id)
        return self.gallery.person(index) if index is not None else None

    def group_of(self, face_id: str) -> str | None:
        index = self.gallery.index_of(face_id)
        return self.gallery.group_of(index) if index is not None else None

    def picture_for(self, face_id: str) -> "Image | None":
        from leadreview.simulation.face_renderer import render_face

        index = self.gallery.index_of(face_id)
        if index is None:
            return None
        return render_face(self.gallery.embeddings[index], CaptureQuality.BOOKING, PICTURE_SIZE)


def build_exercise_world(
    exercise: LoadedExercise, model: ScoreModel | None = None
) -> ExerciseWorld:
    """Generate the gallery and a probe per case that meets the case's conditions.

    A case no probe can satisfy is an error in the scenario file, named by line and field.
    """
    from leadreview.simulation.gallery_build import build_gallery
    from leadreview.simulation.score_model import load_score_model

    scenario = exercise.scenario
    world = scenario.world
    model = model or load_score_model()
    unknown = [g for g in world.group_mix if g not in model.groups]
    if unknown:
        raise field_error(
            exercise.path,
            exercise.data,
            ("world", "group_mix"),
            f"unknown group(s) {', '.join(unknown)} (the score model knows "
            f"{', '.join(model.groups)})",
        )
    spec = GallerySpec(
        size=world.gallery_size, group_mix=world.group_mix, female_share=world.female_share
    )
    gallery = build_gallery(spec, model, world.seed)
    cases = []
    for index, case in enumerate(scenario.cases):
        try:
            built: BuiltProbe = build_case_probe(
                case, index, gallery, model, world.seed, dict(world.group_mix), world.female_share
            )
        except Unsatisfiable as exc:
            loc = ("cases", index, exc.field)
            raise field_error(exercise.path, exercise.data, loc, str(exc)) from None
        cases.append(
            ExerciseCase(
                spec=case,
                position=index,
                probe_ref=probe_ref_of(scenario.name, world.seed, index),
                embedding=built.embedding,
                truth=built.truth,
            )
        )
    return ExerciseWorld(exercise=exercise, gallery=gallery, model=model, cases=tuple(cases))
