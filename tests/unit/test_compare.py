"""Comparison metrics on a batch where every figure is known; intervals; output shapes; CLI."""

import csv
import hashlib
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from leadreview.analysis.batch import SearchBatch
from leadreview.analysis.compare import compare
from leadreview.analysis.compare_export import CSV_COLUMNS, comparison_csv, comparison_json
from leadreview.analysis.compare_models import Comparison
from leadreview.analysis.disparity import DisparityRules
from leadreview.analysis.intervals import estimate, t_quantile_975
from leadreview.domain.policy import UseCase
from leadreview.policy.loader import load_policies
from leadreview.simulation.reviewer_model import (
    AutomationBias,
    ErrorRates,
    LoadedProfile,
    ReviewerProfile,
)
from tests.support.batches import POLICIES, known_batch

ALMOST_ONE = 1 - 1e-12
ALMOST_ZERO = 1e-12


def fixed_profile(name: str, forwards_everyone: bool) -> LoadedProfile:
    """A reviewer who forwards everybody (or only true mates): decisions known in advance."""
    rate = ALMOST_ONE if forwards_everyone else ALMOST_ZERO
    profile = ReviewerProfile(
        name=name,
        title=name,
        sources=["test"],
        one_to_one=ErrorRates(false_accept=rate, false_reject=ALMOST_ZERO),
        candidate_list=ErrorRates(false_accept=rate, false_reject=ALMOST_ZERO),
        automation_bias=AutomationBias(),
    )
    return LoadedProfile(profile, name, hashlib.sha256(name.encode()).hexdigest())


def run(seeds: int = 1, rules: DisparityRules = DisparityRules()) -> Comparison:
    return compare(
        [(seed, known_batch()) for seed in range(seeds)],
        policies=load_policies(POLICIES),
        profiles=[fixed_profile("credulous", True), fixed_profile("perfect", False)],
        use_case=UseCase.INVESTIGATION,
        scenario="known",
        rules=rules,
    )


def means(comparison: Comparison, policy: str) -> dict[str, float | None]:
    result = next(p for p in comparison.policies if p.policy == policy)
    return {key: est.mean for key, est in result.metrics.overall.items()}


def test_policy_metrics_on_a_known_batch() -> None:
    comparison = run()
    practice = means(comparison, "wcso-practice")  # top 5, no threshold
    assert practice["leads_per_search"] == 5.0
    assert practice["hit_rate"] == pytest.approx(2 / 3)  # two of three mated searches
    assert practice["false_leads_shown"] == 18
    assert practice["mates_lost"] == 0
    default = means(comparison, "rekognition-default")  # >= 80
    assert default["leads_per_search"] == pytest.approx((3 + 2 + 1 + 0) / 4)
    assert default["hit_rate"] == pytest.approx(1 / 3)  # the 79.9 mate is lost
    assert default["mates_lost"] == 1
    assert default["mate_loss_rate"] == pytest.approx(1 / 2)  # of the two mates returned
    assert default["probes_with_false_lead"] == 3
    documented = means(comparison, "amazon-documented-99")
    assert documented["mates_lost"] == 2  # the 96.03 lead too
    assert documented["hit_rate"] == 0.0
    assert documented["false_leads_shown"] == 2  # 99.5 and 99.2


def test_reviewer_metrics_with_reviewers_whose_decisions_are_known() -> None:
    comparison = run()
    police = next(p for p in comparison.policies if p.policy == "amazon-police-95")
    credulous, perfect = police.reviewers
    # Shown at 95: 99.5 (false) and 96.03 (mate) in search 0, 99.2 (false) in search 2.
    assert credulous.metrics.overall["leads_forwarded"].mean == 3
    assert credulous.metrics.overall["wrongful_forwards"].mean == 2
    assert credulous.metrics.overall["wrongful_forward_search_rate"].mean == pytest.approx(0.5)
    assert perfect.metrics.overall["wrongful_forwards"].mean == 0
    assert perfect.metrics.overall["mate_forward_rate"].mean == pytest.approx(1 / 3)
    assert credulous.metrics.shares["A"]["wrongful_forwards"].mean == 1.0


def test_group_figures_ratios_and_shares() -> None:
    comparison = run(rules=DisparityRules(reference="B", min_units=1))
    assert comparison.groups == ["A", "B"]
    assert comparison.reference == "B"
    assert comparison.probe_share["A"].mean == 0.5
    default = next(p for p in comparison.policies if p.policy == "rekognition-default")
    table = default.metrics
    # False leads shown at 80: A has 2 + 1 = 3 over 2 searches, B has 2 over 2.
    assert table.by_group["A"]["false_leads_per_search"].mean == 1.5
    assert table.by_group["B"]["false_leads_per_search"].mean == 1.0
    assert table.reference == "B"
    a_leads = table.disparities["A"]["false_leads_per_search"]
    assert a_leads.ratio is not None and a_leads.ratio.mean == 1.5
    assert a_leads.difference is not None and a_leads.difference.mean == 0.5
    assert table.disparities["B"]["false_leads_per_search"].status == "reference"
    assert table.shares["A"]["false_leads_shown"].mean == pytest.approx(3 / 5)
    assert table.shares["A"]["probes_with_false_lead"].mean == pytest.approx(2 / 3)
    # Hit rate: A 1 of 1, B 0 of 2 (the reference): a ratio against zero, finite.
    a_hits = table.disparities["A"]["hit_rate"]
    assert a_hits.ratio is not None and a_hits.ratio.mean is not None
    assert 1 < a_hits.ratio.mean < float("inf")


def test_groups_too_small_get_no_ratio_and_no_reference() -> None:
    """Two searches per group: with the default minimum (30) nobody is compared."""
    comparison = run(seeds=3)
    assert comparison.reference is None
    for result in comparison.policies:
        for group in comparison.groups:
            for item in result.metrics.disparities[group].values():
                assert item.ratio is None and not item.highlight
                assert item.status in {"too-few", "undefined"}


def test_overall_as_the_reference() -> None:
    comparison = run(rules=DisparityRules(reference="overall", min_units=1))
    assert comparison.reference == "(all)"
    default = next(p for p in comparison.policies if p.policy == "rekognition-default")
    item = default.metrics.disparities["A"]["false_leads_per_search"]
    assert item.ratio is not None and item.ratio.mean == pytest.approx(1.5 / 1.25)


def test_a_constant_count_has_a_zero_width_interval_but_a_rate_keeps_probe_noise() -> None:
    """Identical worlds: no spread between seeds, yet 16 searches are still 16 probes."""
    comparison = run(seeds=4)
    count = comparison.policies[1].metrics.overall["false_leads_shown"]
    assert count.n == 4 and count.low == count.high == count.mean == 5  # 3 in A, 2 in B
    rate = comparison.policies[1].metrics.overall["leads_per_search"]
    assert rate.n == 4 and rate.units == 16 and rate.mean == 1.5
    assert rate.low is not None and rate.high is not None and rate.low < 1.5 < rate.high
    more = run(seeds=16).policies[1].metrics.overall["leads_per_search"]
    assert more.low is not None and more.high is not None
    assert more.high - more.low < (rate.high - rate.low) / 1.5  # more probes, narrower


def test_intervals_shrink_with_seeds_and_use_student_t() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(10.0, 2.0, 400)
    few, many = estimate(values[:5]), estimate(values)
    assert few.low is not None and few.high is not None
    assert many.low is not None and many.high is not None
    assert many.high - many.low < (few.high - few.low) / 3
    assert t_quantile_975(4) == pytest.approx(2.776, abs=1e-3)
    assert t_quantile_975(60) == pytest.approx(2.000, abs=1e-3)
    assert estimate([3.0]).low is None  # one seed: no interval
    assert estimate([0.0, 0.0, 1.0], upper=1.0).low == 0.0  # clipped at the metric's range


def test_searches_run_once_per_seed_whatever_the_policies_and_profiles() -> None:
    made: list[int] = []

    def batches() -> Iterator[tuple[int, SearchBatch]]:
        for seed in range(3):
            made.append(seed)
            yield seed, known_batch()

    compare(
        batches(),
        policies=load_policies(POLICIES),
        profiles=[fixed_profile("a", True), fixed_profile("b", False)],
    )
    assert made == [0, 1, 2]


def test_json_and_csv_shapes() -> None:
    comparison = run(seeds=2)
    data = json.loads(comparison_json(comparison))
    assert data["seeds"] == [0, 1]
    assert "Wilson" in data["interval_method"] and "Student t" in data["interval_method"]
    assert [p["policy"] for p in data["policies"]] == POLICIES
    first = data["policies"][0]
    assert set(first["metrics"]["overall"]["hit_rate"]) == {"mean", "low", "high", "n", "units"}
    assert [r["profile"] for r in first["reviewers"]] == ["credulous", "perfect"]
    rows = list(csv.DictReader(io.StringIO(comparison_csv(comparison))))
    assert tuple(rows[0]) == CSV_COLUMNS
    hit = [r for r in rows if r["metric"] == "hit_rate" and r["group"] == "(all)"]
    assert [r["policy"] for r in hit] == POLICIES
    assert float(hit[0]["mean"]) == pytest.approx(2 / 3)
    small = comparison_csv(run(seeds=2, rules=DisparityRules(reference="A", min_units=1)))
    small_rows = list(csv.DictReader(io.StringIO(small)))
    ratio = [r for r in small_rows if r["metric"] == "false_leads_per_search:ratio_to_reference"]
    assert ratio and all(r["reference"] == "A" for r in ratio)
    assert {r["flag"] for r in small_rows if r["group"] == "A" and r["metric"] == "hit_rate"} == {
        "reference"
    }
    assert any(r["metric"] == "share_of:probes_with_false_lead" for r in rows)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "leadreview", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


SMALL = ("--scenario", "wcso-cctv", "--gallery-size", "3000", "--probes", "60")


def test_the_compare_command_end_to_end_as_json_and_csv(tmp_path: Path) -> None:
    result = _cli("compare", *SMALL, "--seeds", "2", "--policy", "wcso-practice",
                  "--policy", "amazon-documented-99", "--reviewer-profile", "untrained",
                  "--format", "json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["scenario"] == "wcso-cctv"
    assert len(data["seeds"]) == 2
    assert [p["policy"] for p in data["policies"]] == ["wcso-practice", "amazon-documented-99"]
    assert data["policies"][0]["metrics"]["overall"]["searches"]["mean"] == 60
    out = tmp_path / "c.csv"
    result = _cli("compare", *SMALL, "--format", "csv", "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_text().startswith(",".join(CSV_COLUMNS))


def test_compare_errors_are_one_line() -> None:
    result = _cli("compare", *SMALL, "--reviewer-profile", "no-such-reviewer")
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode != 0
    assert lines == [lines[0]] and "no-such-reviewer" in lines[0]
    result = _cli("compare", "--scenario", "wcso-cctv", "--probes", "0")
    assert result.returncode != 0 and "Traceback" not in result.stderr
