"""The calibration targets, checked on the bundled score model with the real generator.

The figures come from FACTS.md: the ACLU's 2018 test, Amazon's answers, the WCSO's
96.03 lead, NISTIR 8280's demographic differentials.
"""

from pathlib import Path

import numpy as np
import pytest
import yaml

from leadreview.calibration.analytic import (
    differentials,
    expected_false_match_probes,
    operating_cosine,
)
from leadreview.calibration.monte_carlo import (
    false_match_runs,
    large_gallery_best_impostors,
    mate_similarities,
)
from leadreview.calibration.targets import Targets, load_targets
from leadreview.cli import main
from leadreview.domain.identity import Sex
from leadreview.domain.probe import CaptureQuality
from leadreview.simulation.scenario import Scenario, load_scenario
from leadreview.simulation.score_model import (
    ScoreModel,
    default_score_model_path,
    load_score_model,
)
from leadreview.simulation.similarity import SimilarityMap
from leadreview.simulation.streams import stream
from leadreview.simulation.tail import impostor_exceedance, sphere_tail
from leadreview.simulation.world import build_world


@pytest.fixture(scope="module")
def model() -> ScoreModel:
    return load_score_model()


@pytest.fixture(scope="module")
def targets() -> Targets:
    return load_targets()


@pytest.fixture(scope="module")
def aclu() -> Scenario:
    return load_scenario("aclu-2018")


def test_sphere_tail_matches_sampling() -> None:
    m = 121
    points = stream(5, "test").standard_normal((200_000, m))
    first = points[:, 0] / np.linalg.norm(points, axis=1)
    for x in (0.0, 0.1, 0.2):
        assert float(sphere_tail(x, m)) == pytest.approx((first > x).mean(), rel=0.03)
    assert float(sphere_tail(-1.0, m)) == pytest.approx(1.0)
    assert float(sphere_tail(1.0, m)) == 0.0


def test_exact_impostor_rates_match_a_generated_world(model: ScoreModel, aclu: Scenario) -> None:
    """The analytic tail that the million-face check rests on, against real draws."""
    world = build_world(aclu, model, seed=11)
    cosines = world.probe_embeddings @ world.gallery.embeddings.T
    probe_class = [(t.subject_group, t.subject_sex) for t in world.truth.truths]
    columns = world.gallery.columns
    face_class = [
        (world.gallery.groups[g], Sex.FEMALE if s == 0 else Sex.MALE)
        for g, s in zip(columns.group, columns.sex, strict=True)
    ]
    kinds = sorted(set(face_class))
    per_kind = {k: np.array([c == k for c in face_class]) for k in kinds}
    for threshold in (0.3, 0.35):
        expected = sum(
            impostor_exceedance(model, p, k, threshold) * per_kind[k].sum()
            for p in probe_class
            for k in kinds
        )
        observed = int((cosines > threshold).sum())
        assert observed == pytest.approx(expected, rel=4 / np.sqrt(expected))


@pytest.mark.slow
def test_aclu_2018_over_ten_seeds(model: ScoreModel, targets: Targets, aclu: Scenario) -> None:
    """28 of 535 falsely matched at 80, 11 of them people of color (ACLU, July 2018)."""
    assert len(targets.seeds) == 10
    runs = false_match_runs(
        model, aclu, seeds=targets.seeds, thresholds=(80.0, 95.0), reference_group="white"
    )
    counts = np.array([r.at_low for r in runs])
    shares = np.array([r.at_low_outside_reference / r.at_low for r in runs])
    assert 22 <= counts.mean() <= 34
    assert 0.30 <= shares.mean() <= 0.50
    # Amazon: at 95, markedly fewer.
    assert sum(r.at_high for r in runs) <= 0.25 * counts.sum()


def test_exact_aclu_expectation_is_the_published_figure(model: ScoreModel, aclu: Scenario) -> None:
    expected = expected_false_match_probes(model, aclu, model.similarity.cosine_at(80), "white")
    assert expected.probes == pytest.approx(28, abs=0.5)
    assert expected.share_outside_reference == pytest.approx(11 / 28, abs=0.02)


def _fraction_at_a_million(model: ScoreModel, aclu: Scenario, threshold: float) -> float:
    cosine = model.similarity.cosine_at(threshold)
    found = expected_false_match_probes(model, aclu, cosine, "white", 1_000_000)
    return found.probes / aclu.probes.count


def test_tail_at_99_is_steep_even_at_a_million(model: ScoreModel, aclu: Scenario) -> None:
    at_99 = _fraction_at_a_million(model, aclu, 99)
    assert at_99 < 0.01
    assert _fraction_at_a_million(model, aclu, 95) > 10 * at_99
    # The check has teeth: the same embeddings under a map half as steep fail it.
    flat = model.model_copy(
        update={"similarity": SimilarityMap(c0=model.similarity.c0, w=model.similarity.w / 2)}
    )
    assert _fraction_at_a_million(flat, aclu, 99) > 0.01


@pytest.mark.slow
def test_tail_at_a_million_by_monte_carlo(model: ScoreModel, aclu: Scenario) -> None:
    """200 Congress-like probes against a generated gallery of a million faces."""
    best = large_gallery_best_impostors(
        model, aclu, gallery_size=1_000_000, probe_count=200, seed=1
    )
    assert (best >= 99).sum() <= 1
    # Where Monte Carlo can see the tail, it agrees with the exact figure used above.
    for threshold in (90.0, 95.0):
        p = _fraction_at_a_million(model, aclu, threshold)
        observed = (best >= threshold).mean()
        assert abs(observed - p) <= 4 * np.sqrt(p * (1 - p) / len(best)) + 0.01


@pytest.mark.slow
def test_cctv_mates_land_like_the_sheriffs_96_03(model: ScoreModel, targets: Targets) -> None:
    """WCSO: a correct lead scored 96.03: shown with no threshold and at 95, filtered at 99."""
    mates = mate_similarities(
        model,
        load_scenario("wcso-cctv"),
        qualities=[CaptureQuality.PORTRAIT, CaptureQuality.CCTV],
        seeds=targets.seeds[:3],
    )
    cctv = mates[CaptureQuality.CCTV]
    assert 95.0 <= np.median(cctv) <= 97.0
    assert ((cctv >= 95) & (cctv < 99)).mean() >= 0.25
    assert (cctv < 99).mean() >= 0.4
    assert 80.0 <= np.percentile(cctv, 10) <= 93.0
    assert np.median(mates[CaptureQuality.PORTRAIT]) >= 99.5


def test_nist_differentials(model: ScoreModel, targets: Targets) -> None:
    """NISTIR 8280: 10x to 100x between groups, women 2x to 5x men."""
    at_operating_point = differentials(
        model, "white", operating_cosine(model, "white", targets.nist.operating_fmr)
    )
    assert 10 <= at_operating_point.group_ratio <= 100
    assert 2 <= at_operating_point.women_to_men <= 5
    assert differentials(model, "white", model.similarity.cosine_at(99)).group_ratio >= 10


def _targets_file(tmp_path: Path, seeds: list[int]) -> Path:
    data = load_targets().model_dump(mode="json")
    data["seeds"] = seeds
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.slow
def test_calibrate_refits_the_bundled_model(tmp_path: Path, model: ScoreModel) -> None:
    out = tmp_path / "model.yaml"
    targets = _targets_file(tmp_path, [1, 2, 3])
    main(["calibrate", "--output", str(out), "--targets", str(targets), "--no-large-gallery"])
    refit = load_score_model(out)
    assert refit.model_dump().keys() == model.model_dump().keys()
    assert refit.similarity.c0 == pytest.approx(model.similarity.c0, rel=1e-4)
    assert refit.similarity.w == pytest.approx(model.similarity.w, rel=1e-4)
    for group, rho in model.groups.items():
        assert refit.groups[group] == pytest.approx(rho, rel=1e-4)
    for quality, noise in model.capture_noise.items():
        assert refit.capture_noise[quality].median == pytest.approx(noise.median, rel=1e-4)
    assert out.read_text().startswith("# The score model")


def test_calibrate_check_fails_a_model_that_misses(
    tmp_path: Path, model: ScoreModel, capsys: pytest.CaptureFixture[str]
) -> None:
    text = default_score_model_path().read_text()
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace(f"  w: {model.similarity.w:.6g}", "  w: 0.2"))
    assert load_score_model(broken).similarity.w == 0.2
    with pytest.raises(SystemExit) as done:
        main(
            [
                "calibrate", "--check", "--model", str(broken),
                "--targets", str(_targets_file(tmp_path, [1])), "--no-large-gallery",
            ]
        )  # fmt: skip
    assert done.value.code == 1
    assert "MISS" in capsys.readouterr().out
