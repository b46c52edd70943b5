"""World generation: seeded, reproducible, ground truth apart, galleries cached on disk."""

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadreview.domain.probe import CaptureQuality
from leadreview.simulation.gallery_build import (
    CHUNK_ROWS,
    build_gallery,
    fill_embeddings,
    gallery_columns,
)
from leadreview.simulation.ids import face_id, face_index
from leadreview.simulation.scenario import Scenario, load_scenario
from leadreview.simulation.score_model import ScoreModel, load_score_model
from leadreview.simulation.world import World, build_world

EXTERNAL_IMAGE_ID = re.compile(r"^[a-zA-Z0-9_.\-:]{1,255}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


@pytest.fixture(scope="module")
def model() -> ScoreModel:
    return load_score_model()


def small(scenario: str, gallery: int, probes: int, **probe_changes: object) -> Scenario:
    base = load_scenario(scenario)
    return base.model_copy(
        update={
            "gallery": base.gallery.model_copy(update={"size": gallery}),
            "probes": base.probes.model_copy(update={"count": probes, **probe_changes}),
        }
    )


def mixed(gallery: int = 3000, probes: int = 60) -> Scenario:
    quality_mix = {q: 0.25 for q in CaptureQuality}
    return small(
        "wcso-cctv", gallery, probes, quality=None, quality_mix=quality_mix, mated_fraction=0.5
    )


def test_same_seed_same_world(model: ScoreModel) -> None:
    a, b = build_world(mixed(), model), build_world(mixed(), model)
    assert np.array_equal(a.gallery.embeddings, b.gallery.embeddings)
    assert np.array_equal(a.probe_embeddings, b.probe_embeddings)
    assert a.probes == b.probes and a.truth.truths == b.truth.truths
    assert [a.gallery.face(i) for i in range(0, 3000, 97)] == [
        b.gallery.face(i) for i in range(0, 3000, 97)
    ]


def test_other_seed_other_world(model: ScoreModel) -> None:
    a, b = build_world(mixed(), model), build_world(mixed(), model, seed=99)
    assert not np.array_equal(a.gallery.embeddings, b.gallery.embeddings)
    assert a.gallery.face_id(0) != b.gallery.face_id(0)


def test_probe_count_leaves_the_gallery_alone(model: ScoreModel) -> None:
    few, many = build_world(mixed(probes=10), model), build_world(mixed(probes=200), model)
    assert np.array_equal(few.gallery.embeddings, many.gallery.embeddings)
    for name in few.gallery.columns.__dataclass_fields__:
        assert np.array_equal(
            getattr(few.gallery.columns, name), getattr(many.gallery.columns, name)
        )


def test_unit_norms_and_shapes(model: ScoreModel) -> None:
    world = build_world(mixed(), model)
    for matrix in (world.gallery.embeddings, world.probe_embeddings):
        assert matrix.dtype == np.float32 and matrix.shape[1] == model.dims
        assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-5)


def test_mix_is_met_exactly(model: ScoreModel) -> None:
    world = build_world(small("aclu-2018", 10_000, 100), model)
    groups = [world.gallery.groups[g] for g in world.gallery.columns.group]
    assert groups.count("white") == 5300 and groups.count("black") == 2700
    subjects = [t.subject_group for t in world.truth.truths]
    assert subjects.count("white") == 80 and subjects.count("black") == 9


def test_ground_truth_is_apart_and_consistent(model: ScoreModel) -> None:
    world = build_world(mixed(), model)
    assert not any("mate" in name for name in type(world.probes[0]).model_fields)
    mated = [t for t in world.truth.truths if t.mated]
    assert len(mated) == 30
    for probe, truth, row in zip(
        world.probes, world.truth.truths, world.truth.mate_index, strict=True
    ):
        assert probe.probe_id == truth.probe_id
        if truth.mated:
            face = world.gallery.face(int(row))
            assert truth.mate_face_id == face.face_id
            assert (truth.subject_group, truth.subject_sex) == (face.person.group, face.person.sex)
            assert truth.subject_age_band == face.person.age_band
        else:
            assert row == -1 and truth.mate_face_id is None
    assert world.truth.for_probe(world.probes[3].probe_id) == world.truth.truths[3]


def test_mates_outscore_strangers_by_quality(model: ScoreModel) -> None:
    world = build_world(mixed(probes=200), model)
    mated = world.truth.mate_index >= 0
    rows = world.truth.mate_index[mated]
    mate_cos = np.einsum("ij,ij->i", world.probe_embeddings[mated], world.gallery.embeddings[rows])
    qualities = np.array([p.quality for p in world.probes])[mated]
    medians = [np.median(mate_cos[qualities == q]) for q in CaptureQuality]
    assert medians == sorted(medians, reverse=True)
    assert np.median(mate_cos) > np.percentile(
        world.probe_embeddings @ world.gallery.embeddings.T, 99.9
    )


def test_faces_are_rekognition_shaped_and_built_on_demand(model: ScoreModel) -> None:
    world = build_world(mixed(), model)
    ids = {world.gallery.face_id(i) for i in range(world.gallery.size)}
    assert len(ids) == world.gallery.size
    face = world.gallery.face(1234)
    assert UUID.match(face.face_id) and EXTERNAL_IMAGE_ID.match(face.external_image_id)
    assert world.gallery.index_of(face.face_id) == 1234
    assert world.gallery.index_of("00000000-0000-4000-8000-000000000000") is None
    assert face.person.group in model.groups and face.person.name.count(" ") == 1
    with pytest.raises(IndexError):
        world.gallery.face(world.gallery.size)


@settings(max_examples=200)
@given(st.text(min_size=1, max_size=20), st.integers(min_value=0, max_value=2**40))
def test_face_ids_reverse_to_their_index(key: str, index: int) -> None:
    assert face_index(key, face_id(key, index), index + 1) == index
    assert face_index(key, face_id(key, index), index) is None
    assert face_index(key + "x", face_id(key, index), index + 1) is None


def test_cached_gallery_is_memory_mapped_reused_and_identical(
    model: ScoreModel, tmp_path: Path
) -> None:
    scenario = small("aclu-2018", 2 * CHUNK_ROWS + 5, 4)
    seen: list[tuple[int, int]] = []
    first = build_gallery(
        scenario.gallery, model, 3, cache_dir=tmp_path, progress=lambda d, t: seen.append((d, t))
    )
    assert isinstance(first.embeddings, np.memmap)
    assert seen[-1] == (scenario.gallery.size, scenario.gallery.size) and len(seen) == 3
    files = list(tmp_path.iterdir())
    assert [f.name for f in files] == [f"gallery-{first.key}.npy"]
    mtime = files[0].stat().st_mtime_ns
    again = build_gallery(scenario.gallery, model, 3, cache_dir=tmp_path)
    assert files[0].stat().st_mtime_ns == mtime
    in_memory = build_gallery(scenario.gallery, model, 3)
    assert np.array_equal(np.asarray(again.embeddings), in_memory.embeddings)
    other = build_gallery(scenario.gallery, model, 4, cache_dir=tmp_path)
    assert other.key != first.key and len(list(tmp_path.iterdir())) == 2


def test_world_exposes_what_replay_needs(model: ScoreModel) -> None:
    world: World = build_world(mixed(probes=3), model)
    assert world.gallery_embeddings is world.gallery.embeddings
    sims = world.similarity(world.probe_embeddings @ world.gallery_embeddings.T)
    assert sims.dtype == np.float64 and sims.min() >= 0.0 and sims.max() <= 100.0


def test_parallel_generation_is_the_serial_matrix(model: ScoreModel) -> None:
    scenario = small("aclu-2018", 3 * CHUNK_ROWS + 11, 4)
    columns = gallery_columns(scenario.gallery, model, 5)
    serial = np.zeros((len(columns), model.dims), dtype=np.float32)
    parallel = np.zeros_like(serial)
    fill_embeddings(serial, columns, model, 5, workers=1)
    fill_embeddings(parallel, columns, model, 5, workers=4)
    assert np.array_equal(serial, parallel) and np.all(np.linalg.norm(serial, axis=1) > 0.99)


def test_a_fixed_gallery_is_the_same_under_every_seed_and_its_mates_are_its_faces(
    model: ScoreModel,
) -> None:
    base = small("wcso-cctv", 3_000, 40)
    fixed = base.model_copy(update={"gallery": base.gallery.model_copy(update={"seed": 11})})
    one, other = build_world(fixed, model, seed=1), build_world(fixed, model, seed=2)
    assert one.gallery.key == other.gallery.key
    assert np.array_equal(one.gallery_embeddings, other.gallery_embeddings)
    assert not np.array_equal(one.probe_embeddings, other.probe_embeddings)  # probes vary
    # The gallery of seed 11, whatever the run's seed.
    alone = build_world(base, model, seed=11)
    assert np.array_equal(one.gallery_embeddings, alone.gallery_embeddings)
    # A mated probe is a new capture of its mate, drawn from the fixed gallery's own faces
    # (not from the run seed's gallery): far closer to its mate than to any other face.
    for world in (one, other):
        rows = world.truth.mate_index
        assert (rows >= 0).all()
        cosines = world.probe_embeddings @ world.gallery_embeddings.T.astype(np.float32)
        mate = cosines[np.arange(len(rows)), rows]
        assert np.median(mate) > np.median(np.sort(cosines, axis=1)[:, -2]) - 1e-6
        assert (np.argmax(cosines, axis=1) == rows).mean() > 0.5


def test_a_gallery_without_a_fixed_seed_keeps_its_key(model: ScoreModel) -> None:
    # Face ids derive from the key: galleries generated before the option keep theirs
    # (the key below is the one this gallery had then).
    spec = small("aclu-2018", 100, 1).gallery
    assert spec.seed is None
    assert build_gallery(spec, model, 3).key == "916937429af525f3e42aea5f503aa606"
    fixed = spec.model_copy(update={"seed": 3})
    assert build_gallery(fixed, model, 3).key != build_gallery(spec, model, 3).key


def test_a_world_takes_a_built_gallery_only_if_it_is_its_own(model: ScoreModel) -> None:
    base = small("aclu-2018", 2_000, 5)
    fixed = base.model_copy(update={"gallery": base.gallery.model_copy(update={"seed": 3})})
    kept = build_gallery(fixed.gallery, model, 3)
    reused = build_world(fixed, model, seed=8, gallery=kept)
    assert reused.gallery is kept
    fresh = build_world(fixed, model, seed=8)
    assert np.array_equal(reused.probe_embeddings, fresh.probe_embeddings)
    # Another seed's gallery (the key differs) is refused, not silently searched.
    with pytest.raises(ValueError, match="given where"):
        build_world(base, model, seed=8, gallery=kept)
