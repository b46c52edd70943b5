"""The intervals hold their nominal 95% on simulated data, and behave at zero.

Each coverage check draws many data sets from a known rate, computes the interval the
reports print, and counts how often it holds the true rate. 2,000 draws put the Monte
Carlo error of a 95% coverage at about 0.5 percentage points, so the bounds below
(0.93-0.975) fail a method that is off by a couple of points, not by noise.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadreview.analysis.disparity import (
    DisparityRules,
    disparity,
    rate_difference,
    rate_ratio,
)
from leadreview.analysis.pooled import poisson_limits, pooled_rate, wilson

DRAWS = 2000


def coverage(hits: list[bool]) -> float:
    return float(np.mean(hits))


@pytest.mark.parametrize(("p", "n"), [(0.05, 535), (0.1, 60), (0.3, 200), (0.01, 1000)])
def test_one_seed_share_covers_at_nominal_level(p: float, n: int) -> None:
    rng = np.random.default_rng(1)
    hits = []
    for y in rng.binomial(n, p, DRAWS):
        est = pooled_rate([y], [n]).estimate()
        assert est.low is not None and est.high is not None
        hits.append(est.low <= p <= est.high)
    assert 0.93 <= coverage(hits) <= 0.985


def test_seeds_that_differ_widen_the_interval_and_still_cover() -> None:
    """Worlds differ (a beta-binomial between seeds): probes alone would under-cover."""
    rng = np.random.default_rng(2)
    seeds, n, mean, concentration = 8, 150, 0.08, 20.0
    pooled_hits, naive_hits = [], []
    for _ in range(DRAWS):
        p_seed = rng.beta(mean * concentration, (1 - mean) * concentration, seeds)
        y = rng.binomial(n, p_seed)
        est = pooled_rate(y, np.full(seeds, n)).estimate()
        assert est.low is not None and est.high is not None
        pooled_hits.append(est.low <= mean <= est.high)
        low, high = wilson(y.sum() / (n * seeds), n * seeds)
        naive_hits.append(low <= mean <= high)
    assert coverage(pooled_hits) >= 0.92
    assert coverage(naive_hits) < 0.85  # the test can tell a method that ignores seeds


def test_count_per_search_covers_with_overdispersion() -> None:
    """False leads per search: most searches none, a few many (negative binomial)."""
    rng = np.random.default_rng(3)
    seeds, n, mean = 3, 535, 0.12
    hits = []
    for _ in range(DRAWS):
        per_search = rng.negative_binomial(0.2, 0.2 / (0.2 + mean), (seeds, n))
        est = pooled_rate(
            per_search.sum(axis=1), np.full(seeds, n), (per_search**2).sum(axis=1),
            bounded=False,
        ).estimate()  # fmt: skip
        assert est.low is not None and est.high is not None
        hits.append(est.low <= mean <= est.high)
    assert 0.93 <= coverage(hits) <= 0.985


def test_ratio_of_equal_rates_covers_one() -> None:
    rng = np.random.default_rng(4)
    hits = []
    for _ in range(DRAWS):
        a = pooled_rate(rng.binomial(400, 0.07, 2), [400, 400])
        b = pooled_rate(rng.binomial(60, 0.07, 2), [60, 60])
        ratio = rate_ratio(b, a)
        assert ratio.low is not None and ratio.high is not None
        hits.append(ratio.low <= 1.0 <= ratio.high)
    assert coverage(hits) >= 0.93


def test_difference_covers_the_true_difference() -> None:
    rng = np.random.default_rng(5)
    hits = []
    for _ in range(DRAWS):
        a = pooled_rate([rng.binomial(500, 0.05)], [500])
        b = pooled_rate([rng.binomial(80, 0.12)], [80])
        diff = rate_difference(b, a)
        assert diff.low is not None and diff.high is not None
        hits.append(diff.low <= 0.07 <= diff.high)
    assert 0.93 <= coverage(hits) <= 0.985


def test_zero_counts_give_finite_honest_intervals() -> None:
    zero = pooled_rate([0, 0], [300, 300]).estimate()
    assert zero.mean == 0.0 and zero.low == 0.0
    assert zero.high is not None and 0.003 < zero.high < 0.01  # about 3.7/600
    none = pooled_rate([0], [0]).estimate()
    assert none.mean is None and none.units == 0
    low, high = poisson_limits(0)
    assert low == 0.0 and high == pytest.approx(3.689, abs=0.03)


def test_ratio_and_difference_are_defined_on_zero() -> None:
    zero_a = pooled_rate([0], [500])
    zero_b = pooled_rate([0], [100])
    some = pooled_rate([6], [100])
    both = rate_ratio(zero_b, zero_a)
    assert both.mean == 1.0 and both.low is not None and both.high is not None
    assert both.low < 1.0 < both.high
    assert rate_difference(zero_b, zero_a).mean == 0.0
    against_zero = rate_ratio(some, zero_a)
    assert against_zero.mean is not None and np.isfinite(against_zero.mean)
    assert against_zero.high is not None and np.isfinite(against_zero.high)
    assert against_zero.low is not None and against_zero.low > 1.0  # 6 of 100 vs 0 of 500
    nothing = rate_ratio(zero_a, some)
    assert nothing.mean == 0.0 and nothing.high is not None and nothing.high < 1.0


@given(
    count=st.integers(0, 400),
    units=st.integers(1, 400),
    scale=st.integers(1, 6),
    seeds=st.integers(1, 5),
)
def test_ratio_is_exactly_one_when_rates_are_equal(
    count: int, units: int, scale: int, seeds: int
) -> None:
    count = min(count, units)
    a = pooled_rate([count] * seeds, [units] * seeds)
    b = pooled_rate([count * scale] * seeds, [units * scale] * seeds)
    ratio = rate_ratio(b, a)
    assert ratio.mean == pytest.approx(1.0, abs=1e-12)
    assert ratio.low is not None and ratio.high is not None
    assert ratio.low <= 1.0 <= ratio.high
    result = disparity(b, a, is_reference=False, better="lower", rules=DisparityRules())
    assert not result.highlight


def test_highlight_only_where_the_interval_excludes_parity() -> None:
    reference = pooled_rate([20], [1000])  # 2%
    rules = DisparityRules()
    clear = disparity(
        pooled_rate([30], [300]), reference, is_reference=False, better="lower", rules=rules
    )
    assert clear.highlight and clear.direction == "worse"
    assert clear.ratio is not None and clear.ratio.low is not None and clear.ratio.low > 1
    # ×1.5 from 40 searches: the interval spans 1, so nothing is painted.
    vague = disparity(
        pooled_rate([1], [33]), reference, is_reference=False, better="lower", rules=rules
    )
    assert vague.status == "compared" and not vague.highlight
    # With the Aequitas band the whole interval must clear 0.8-1.25.
    banded = DisparityRules(band=(0.8, 1.25))
    near = disparity(
        pooled_rate([260], [10000]), pooled_rate([200], [10000]),
        is_reference=False, better="lower", rules=banded,
    )  # fmt: skip
    assert near.ratio is not None and near.ratio.low is not None and near.ratio.low > 1
    assert not near.highlight  # ×1.3, but the interval reaches into the band
    assert disparity(
        pooled_rate([260], [10000]), pooled_rate([200], [10000]),
        is_reference=False, better="lower", rules=rules,
    ).highlight  # fmt: skip


@pytest.mark.parametrize("units", [0, 5, 29])
def test_small_groups_get_a_flag_not_a_ratio(units: int) -> None:
    result = disparity(
        pooled_rate([min(units, 2)], [units]), pooled_rate([10], [500]),
        is_reference=False, better="lower", rules=DisparityRules(),
    )  # fmt: skip
    assert result.ratio is None and result.difference is None and not result.highlight
    assert result.status in {"too-few", "undefined"}
