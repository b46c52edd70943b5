"""Scenario and score-model files: the bundled ones load; bad ones fail in one line."""

from pathlib import Path

import pytest

from leadreview.errors import InputFileError
from leadreview.policy.loader import load_policies
from leadreview.simulation.scenario import bundled_scenario_paths, load_scenario
from leadreview.simulation.score_model import (
    ScoreModel,
    default_score_model_path,
    load_score_model,
)
from leadreview.simulation.world import build_world

GOOD = """\
name: tiny
title: "A tiny scenario"
sources: ["test"]
seed: 7
gallery:
  size: 100
  group_mix: {white: 0.5, black: 0.5}
probes:
  count: 5
  quality: cctv
  mated_fraction: 0.4
policies: [wcso-practice]
"""


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_bundled_scenarios_load_cite_sources_and_name_real_policies() -> None:
    names = set()
    for path in bundled_scenario_paths():
        scenario = load_scenario(path)
        names.add(scenario.name)
        assert scenario.sources and path.stem == scenario.name
        assert len(load_policies(scenario.policies)) == len(scenario.policies)
    assert {"aclu-2018", "wcso-cctv"} <= names


def test_load_by_name_and_by_path(tmp_path: Path) -> None:
    assert load_scenario("aclu-2018").gallery.size == 25_000
    assert load_scenario(write(tmp_path, GOOD)).probes.count == 5
    with pytest.raises(InputFileError, match="no such scenario"):
        load_scenario("no-such-scenario")


@pytest.mark.parametrize(
    ("old", "new", "line", "field"),
    [
        ("  size: 100", "  size: -3", 6, "gallery.size"),
        ("group_mix: {white: 0.5, black: 0.5}", "group_mix: {white: 0.5, black: 0.4}", 7,
         "gallery.group_mix"),
        ("  quality: cctv", "  quality: blurry", 10, "probes.quality"),
        ("  mated_fraction: 0.4", "  mated_fraction: 0.4\n  colour: red", 12, "probes.colour"),
        ("policies: [wcso-practice]", "policies: [Not A Name]", 12, "policies.0"),
    ],
)  # fmt: skip
def test_errors_name_file_line_and_field(
    tmp_path: Path, old: str, new: str, line: int, field: str
) -> None:
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(InputFileError) as caught:
        load_scenario(path)
    message = caught.value.message
    assert str(path) in message and f"line {line}:" in message and repr(field) in message
    assert "\n" not in message


def test_quality_and_quality_mix_are_exclusive(tmp_path: Path) -> None:
    text = GOOD.replace("  quality: cctv", "  quality: cctv\n  quality_mix: {cctv: 1.0}")
    with pytest.raises(InputFileError, match="exactly one of quality and quality_mix"):
        load_scenario(write(tmp_path, text))


def test_group_unknown_to_the_score_model_is_named(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, GOOD.replace("black: 0.5", "martian: 0.5")))
    with pytest.raises(InputFileError, match=r"scenario tiny: field 'gallery.group_mix'.*martian"):
        build_world(scenario, load_score_model())


def test_too_few_gallery_faces_for_the_mated_probes(tmp_path: Path) -> None:
    text = GOOD.replace("size: 100", "size: 2").replace("mated_fraction: 0.4", "mated_fraction: 1")
    with pytest.raises(InputFileError, match=r"probes\.mated_fraction"):
        build_world(load_scenario(write(tmp_path, text)), load_score_model())


def test_score_model_file_errors_name_the_field(tmp_path: Path) -> None:
    bundled = default_score_model_path().read_text()
    bad = bundled.replace("  w: ", "  w: -", 1)
    with pytest.raises(InputFileError, match=r"line \d+: field 'similarity.w'"):
        load_score_model(write(tmp_path, bad, "model.yaml"))


def test_score_model_rejects_tightness_leaving_no_individual() -> None:
    data = load_score_model().model_dump()
    data["groups"]["white"] = 0.89
    with pytest.raises(ValueError, match="tightness"):
        ScoreModel.model_validate(data)
