"""95% intervals over seeds: Student's t on the per-seed values.

Each seed is an independent world (gallery, probes, reviewers), so the per-seed values of
a metric are independent draws; the t-interval is the textbook interval for their mean
and needs no resampling. Seeds where a metric is undefined (a group with no mated probe
has no hit rate) are left out, and `n` says how many seeds counted.
"""

import math
from statistics import NormalDist

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

INTERVAL_METHOD = "95% Student t-interval over seeds"

# Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom (standard tables).
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t_quantile_975(df: int) -> float:
    if df < 1:
        raise ValueError("a t-interval needs at least 2 values")
    if df <= len(_T975):
        return _T975[df - 1]
    # Cornish-Fisher expansion around the normal quantile: within 1e-4 beyond 30 df.
    z = NormalDist().inv_cdf(0.975)
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
    )


class Estimate(BaseModel):
    """A metric's value with its 95% interval (None where there is none).

    `n` is the number of seeds that counted; `units` the pooled denominator of a rate
    (searches, mated searches, ...), None for figures averaged over seeds.
    """

    model_config = ConfigDict(frozen=True)

    mean: float | None
    low: float | None = None
    high: float | None = None
    n: int
    units: float | None = None

    @property
    def defined(self) -> bool:
        return self.mean is not None


def estimate(values: npt.ArrayLike, lower: float = 0.0, upper: float | None = None) -> Estimate:
    """The mean of the finite values and a t-interval around it, clipped to [lower, upper].

    Every metric here is a count or a share, so an interval reaching below 0 (or above
    100% for a share), which the t-interval gives for rare events over a few seeds, is
    cut at the bound rather than shown as an impossible value.
    """
    data = np.asarray(values, dtype=np.float64).ravel()
    data = data[np.isfinite(data)]
    n = int(data.size)
    if n == 0:
        return Estimate(mean=None, n=0)
    mean = float(data.mean())
    if n == 1:
        return Estimate(mean=mean, n=1)
    if float(np.ptp(data)) == 0.0:
        # Exactly constant over seeds: zero width, not rounding noise of the mean.
        return Estimate(mean=float(data[0]), low=float(data[0]), high=float(data[0]), n=n)
    half = t_quantile_975(n - 1) * float(data.std(ddof=1)) / math.sqrt(n)
    high = mean + half if upper is None else min(mean + half, upper)
    return Estimate(mean=mean, low=max(mean - half, lower), high=high, n=n)
