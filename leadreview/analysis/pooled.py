"""Rates pooled over seeds and probes, with intervals that are defined at zero.

Why this method. A rate here is a count over units (searches, mated searches, returned
mates) summed over every seed. Two sources of uncertainty matter: which probes were
drawn (within a seed) and which world was drawn (between seeds: the gallery, the
reviewers). The per-seed t-interval used before saw only the second and collapsed to
nothing on one seed or on a rare harm ("66.7% [0.0%, 100.0%]" from three seeds).

So each rate gets two variance estimates:

- *probes*: the units pooled over seeds taken as independent draws: the binomial
  variance p(1-p)/N for a yes/no outcome per unit, the sample variance of the per-unit
  counts over N for a count per unit (false leads per search);
- *seeds*: the cluster-robust (linearised ratio-estimator) variance with seeds as the
  clusters, which includes the probe noise and any extra spread between worlds.

The larger is used, with Student's t on seeds-1 degrees of freedom when the seeds'
variance is the larger (few clusters). The seeds' variance is used from
`MIN_SEEDS_FOR_SPREAD` seeds up: from two or three seeds it is so noisy (with t on 1 or 2
degrees of freedom, 12.7 or 4.3) that half the time an interval would span most of
[0, 1] by chance alone; below that the interval reflects the probes only, and the
method says so. It enters the interval as a design effect: a
yes/no rate gets Wilson's score interval on the effective sample size N/deff, a count
rate gets an exact-Poisson interval (Byar's approximation) on the effective count
Y/deff. Both are defined, and have good coverage, at a count of zero, where a normal
interval collapses to [0, 0]; `tests/test_pooled_rates.py` checks the coverage on
simulated draws.
"""

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from leadreview.analysis.intervals import Estimate, t_quantile_975

Z975 = NormalDist().inv_cdf(0.975)
MIN_SEEDS_FOR_SPREAD = 5
POOLED_METHOD = (
    "95% intervals on counts pooled over seeds and probes: Wilson score (shares) or "
    "exact Poisson (counts per search), widened by the design effect seen between "
    f"seeds (from {MIN_SEEDS_FOR_SPREAD} seeds up); ratios by the log (Katz) method, "
    "differences by Newcombe's hybrid score method, with 0.5 added to zero counts"
)


@dataclass(frozen=True)
class PooledRate:
    """A rate Y/N pooled over seeds, its variance, and its effective counts."""

    rate: float | None  # None: no units at all (the rate is undefined)
    count: float  # Y, the numerator summed over seeds
    units: float  # N, the denominator summed over seeds
    variance: float  # of the rate
    bounded: bool  # a yes/no outcome per unit: a share in [0, 1]
    quantile: float  # z, or Student's t over seeds when the seeds' variance dominates
    seeds: int  # seeds with at least one unit

    @property
    def design_effect(self) -> float:
        """How much wider than independent probes the data say the rate is (>= 1)."""
        if self.rate is None or self.units == 0:
            return 1.0
        base = self.rate * (1.0 - self.rate) if self.bounded else self.rate
        base /= self.units
        if base <= 0.0 or self.variance <= base:
            return 1.0
        return self.variance / base

    @property
    def effective_units(self) -> float:
        return self.units / self.design_effect

    @property
    def effective_count(self) -> float:
        return self.count / self.design_effect

    def interval(self) -> tuple[float, float]:
        if self.rate is None:
            raise ValueError("an undefined rate has no interval")
        if self.bounded:
            return wilson(self.rate, self.effective_units, self.quantile)
        low, high = poisson_limits(self.effective_count, self.quantile)
        return low / self.effective_units, high / self.effective_units

    def estimate(self) -> Estimate:
        if self.rate is None:
            return Estimate(mean=None, n=0, units=0.0)
        low, high = self.interval()
        return Estimate(
            mean=self.rate,
            low=min(low, self.rate),
            high=max(high, self.rate),
            n=self.seeds,
            units=self.units,
        )


def wilson(p: float, n: float, q: float = Z975) -> tuple[float, float]:
    """Wilson's score interval for a proportion p observed on n units."""
    if n <= 0:
        return 0.0, 1.0
    q2 = q * q
    centre = (p + q2 / (2 * n)) / (1 + q2 / n)
    half = q / (1 + q2 / n) * math.sqrt(max(p * (1 - p), 0.0) / n + q2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def poisson_limits(count: float, q: float = Z975) -> tuple[float, float]:
    """Limits for a Poisson mean from an observed count (Byar's approximation).

    Within about 1% of the exact chi-square limits from a count of 1 up; at 0 the upper
    limit is 3.67 against the exact 3.69 (the "rule of three" region).
    """
    low = 0.0 if count <= 0 else count * (1 - 1 / (9 * count) - q / (3 * math.sqrt(count))) ** 3
    upper_base = count + 1
    high = upper_base * (1 - 1 / (9 * upper_base) + q / (3 * math.sqrt(upper_base))) ** 3
    return max(low, 0.0), high


def pooled_rate(
    counts: npt.ArrayLike,
    units: npt.ArrayLike,
    squares: npt.ArrayLike | None = None,
    *,
    bounded: bool = True,
) -> PooledRate:
    """Pool per-seed numerators and denominators into one rate with its variance.

    `squares` is each seed's sum of squared per-unit counts; a yes/no outcome needs
    none (its square is itself).
    """
    y = np.asarray(counts, dtype=np.float64).ravel()
    n = np.asarray(units, dtype=np.float64).ravel()
    q_sums = y if squares is None else np.asarray(squares, dtype=np.float64).ravel()
    total_y, total_n = float(y.sum()), float(n.sum())
    seeds = int(np.count_nonzero(n > 0))
    if total_n <= 0:
        return PooledRate(None, total_y, 0.0, 0.0, bounded, Z975, 0)
    rate = total_y / total_n
    if bounded:
        probe_var = rate * (1.0 - rate) / total_n
    elif total_n > 1:
        spread = max(float(q_sums.sum()) - total_y * total_y / total_n, 0.0) / (total_n - 1)
        probe_var = spread / total_n
    else:
        probe_var = rate / total_n  # one unit: Poisson's variance, the least to assume
    quantile, variance = Z975, probe_var
    if seeds >= MIN_SEEDS_FOR_SPREAD:
        present = n > 0
        residuals = y[present] - rate * n[present]
        seed_var = seeds / (seeds - 1) * float(np.sum(residuals**2)) / total_n**2
        if seed_var > probe_var:
            quantile, variance = t_quantile_975(seeds - 1), seed_var
    return PooledRate(rate, total_y, total_n, variance, bounded, quantile, seeds)
