"""Exercise scenario files: the bundled ones validate and their cases really land where
they say; a bad file ends in one line naming file, line and field."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from leadreview.errors import InputFileError
from leadreview.exercise.loading import bundled_exercise_paths, load_exercise
from leadreview.exercise.template import template
from leadreview.exercise.world import build_exercise_world
from leadreview.simulation.scenario import bundled_scenario_paths
from tests.support.exercise import write_scenario

REQUIRED = {
    "wcso-cold-cases",
    "missing-person",
    "aclu-2018",
    "blurry-cctv",
    "two-reviewers",
    "juvenile-probe",
}


def test_the_required_exercises_are_bundled_and_the_batch_loader_does_not_list_them() -> None:
    names = {p.stem for p in bundled_exercise_paths()}
    assert names >= REQUIRED
    batch = bundled_scenario_paths()
    assert all(p.parent.name == "scenarios" for p in batch)
    assert not any("exercises" in p.parts for p in batch)


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_every_case_of_a_bundled_exercise_is_searched_into_its_band(name: str) -> None:
    """Through the simulated Rekognition backend itself, not the builder's own sums."""
    from leadreview.search.rekognition import search_faces_by_image

    loaded = load_exercise(name)
    assert loaded.scenario.sources
    world = build_exercise_world(loaded)
    backend = world.backend()
    top = loaded.policies[0].policy.max_candidates or 50
    for case in world.cases:
        spec, truth = case.spec, case.truth
        outcome = search_faces_by_image(
            backend.client,
            collection_id=backend.collection_id,
            image=world.opening(case).image or b"",
            image_name=case.probe_ref,
            max_faces=top,
            face_match_threshold=0.0,
        )
        leads = outcome.leads
        ids = [lead.face_id for lead in leads]
        if spec.mated:
            assert truth.mate_face_id is not None and truth.mate_rank is not None
            if spec.mate_rank is not None:
                assert spec.mate_rank.holds(truth.mate_rank), spec.id
            if truth.mate_rank <= top:
                assert ids.index(truth.mate_face_id) + 1 == truth.mate_rank, spec.id
                mate = leads[truth.mate_rank - 1]
                assert truth.mate_similarity is not None
                assert mate.similarity == pytest.approx(truth.mate_similarity, abs=0.01)
                if spec.mate_similarity is not None:
                    assert spec.mate_similarity.holds(round(mate.similarity, 2) + 0.0), spec.id
            else:
                assert truth.mate_face_id not in ids, spec.id
        else:
            assert truth.mate_face_id is None
        best_wrong = next(lead for lead in leads if lead.face_id != truth.mate_face_id)
        assert best_wrong.face_id == truth.top_impostor_face_id, spec.id
        if spec.top_impostor_similarity is not None:
            assert spec.top_impostor_similarity.min - 0.01 <= best_wrong.similarity, spec.id
            assert best_wrong.similarity <= spec.top_impostor_similarity.max + 0.01, spec.id


def test_the_wcso_exercise_holds_the_96_03_true_lead_and_the_93_5_wrong_person() -> None:
    world = build_exercise_world(load_exercise("wcso-cold-cases"))
    by_id = {c.spec.id: c.truth for c in world.cases}
    true_lead = by_id["theft-razor-blades"]
    assert true_lead.mate_rank == 1
    assert true_lead.mate_similarity == pytest.approx(96.03, abs=0.3)
    assert by_id["burglary-garage"].top_impostor_similarity == pytest.approx(93.5, abs=0.5)
    assert by_id["homicide-parking-lot"].mate_rank is not None
    assert by_id["homicide-parking-lot"].mate_rank > 5


def test_the_detroit_pattern_has_a_confident_impostor_and_a_push_for_an_arrest() -> None:
    loaded = load_exercise("blurry-cctv")
    world = build_exercise_world(loaded)
    watch = next(c for c in world.cases if c.spec.id == "watch-theft")
    assert not watch.truth.mated and watch.spec.quality.value == "cctv"
    assert watch.truth.top_impostor_similarity >= 94
    pressure = [i for i in loaded.scenario.injects if i.kind.value == "pressure"]
    assert pressure and "arrest" in pressure[0].text


def test_the_same_seed_builds_the_same_probes(tmp_path: Path) -> None:
    path = write_scenario(tmp_path)
    first = build_exercise_world(load_exercise(path))
    second = build_exercise_world(load_exercise(path))
    for a, b in zip(first.cases, second.cases, strict=True):
        assert np.array_equal(a.embedding, b.embedding)
        assert a.truth == b.truth


def _error_for(tmp_path: Path, old: str, new: str, *, build: bool = False) -> str:
    path = write_scenario(tmp_path)
    path.write_text(path.read_text().replace(old, new, 1))
    with pytest.raises(InputFileError) as caught:
        loaded = load_exercise(path)
        if build:
            build_exercise_world(loaded)
    message = caught.value.message
    assert "\n" not in message
    assert str(path) in message
    return message


def test_a_wrong_type_names_file_line_and_field(tmp_path: Path) -> None:
    message = _error_for(tmp_path, "gallery_size: 2000", "gallery_size: lots")
    assert "line 6:" in message and "'world.gallery_size'" in message


def test_an_unknown_policy_names_its_line(tmp_path: Path) -> None:
    message = _error_for(tmp_path, "policy_in_force: wcso-practice", "policy_in_force: nope")
    assert "line 8:" in message and "'policy_in_force'" in message


def test_an_unknown_inject_case_and_a_bad_rank_band_are_refused(tmp_path: Path) -> None:
    message = _error_for(tmp_path, 'text: "Independent evidence."', 'text: "x"\n    cases: [nope]')
    assert "'injects.1.cases'" in message and "nope" in message and "line 48:" in message
    message = _error_for(tmp_path / "b", "mated: true", "mated: true\n    mate_rank: 5-2")
    assert "mate_rank" in message and "line 22:" in message


def test_a_band_no_probe_can_reach_names_the_case_field(tmp_path: Path) -> None:
    message = _error_for(
        tmp_path,
        "mated: true",
        "mated: true\n    mate_similarity: {min: 99.99, max: 100}\n    mate_rank: 40-41",
        build=True,
    )
    assert "field 'cases.0.mate_rank'" in message and "line 23:" in message


def test_the_template_validates_and_builds(tmp_path: Path) -> None:
    path = tmp_path / "new-one.yaml"
    path.write_text(template("new-one"))
    world = build_exercise_world(load_exercise(path))
    assert [c.spec.id for c in world.cases] == ["first-case", "second-case"]


def test_the_cli_writes_a_template_that_validates_and_refuses_a_bad_file(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "leadreview", "scenario", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    target = tmp_path / "drill.yaml"
    assert run("new", str(target)).returncode == 0
    checked = run("validate", str(target))
    assert checked.returncode == 0, checked.stderr
    assert "ok:" in checked.stdout
    target.write_text(target.read_text().replace("quality: cctv", "quality: fuzzy"))
    bad = run("validate", "--quick", str(target))
    assert bad.returncode == 2
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 1 and "cases.0.quality" in lines[0] and "line " in lines[0]
    listed = run("list")
    assert listed.returncode == 0 and "blurry-cctv" in listed.stdout
