"""The impostor score distribution, exactly, from the score model.

A probe and a gallery face of different people meet in two parts: their demographic
parts, whose inner product is fixed by their groups and sexes, and their individual
parts, two independent unit vectors on the sphere of the individual subspace. The
inner product of those is distributed as one coordinate of a uniform point on the
sphere in m dimensions: density proportional to (1 - u^2)^((m - 3) / 2). Capture noise
does not change that (a blurred individual part is still uniform relative to a
stranger's), so impostor scores do not depend on probe quality.

This gives per-comparison false-match rates down to 1e-15 and below, where Monte Carlo
cannot reach, and exact expectations for galleries of any size.
"""

import math
from collections.abc import Mapping
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from leadreview.domain.identity import Sex
from leadreview.simulation.score_model import ScoreModel

ClassCounts = Mapping[tuple[str, Sex], float]
_QUADRATURE_NODES = 96


@lru_cache(maxsize=1)
def _gauss_legendre() -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    nodes, weights = np.polynomial.legendre.leggauss(_QUADRATURE_NODES)
    return (nodes + 1.0) / 2.0, weights / 2.0


def sphere_tail(x: npt.ArrayLike, m: int) -> npt.NDArray[np.float64]:
    """P(u > x) for u one coordinate of a uniform point on the unit sphere in R^m."""
    t, weights = _gauss_legendre()
    lo = np.clip(np.asarray(x, dtype=np.float64), -1.0, 1.0)[..., None]
    u = lo + (1.0 - lo) * t
    log_norm = math.lgamma(m / 2) - 0.5 * math.log(math.pi) - math.lgamma((m - 1) / 2)
    with np.errstate(divide="ignore"):
        density = np.exp(log_norm + (m - 3) / 2 * np.log1p(-(u * u)))
    # The polynomial integrand is integrated exactly for m up to 2 * nodes + 2.
    out: npt.NDArray[np.float64] = (1.0 - lo[..., 0]) * (density * weights).sum(axis=-1)
    return out


def sphere_quantile(tail: float, m: int) -> float:
    """The x with P(u > x) = tail (0 < tail < 1), by bisection."""
    lo, hi = -1.0, 1.0
    for _ in range(80):
        mid = (lo + hi) / 2
        if float(sphere_tail(mid, m)) > tail:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def impostor_exceedance(
    model: ScoreModel, probe: tuple[str, Sex], face: tuple[str, Sex], cosine: float
) -> float:
    """P(cosine of one probe of class `probe` and one stranger of class `face` > cosine)."""
    (pg, ps), (fg, fs) = probe, face
    shared = (model.groups[pg] if pg == fg else 0.0) + (model.sex[ps] if ps == fs else 0.0)
    scale = math.sqrt(
        (1.0 - model.structure_tightness(pg, ps)) * (1.0 - model.structure_tightness(fg, fs))
    )
    return float(sphere_tail((cosine - shared) / scale, model.individual_dims))


def same_class_fmr(model: ScoreModel, group: str, sex: Sex, cosine: float) -> float:
    """The per-comparison false-match rate between two strangers of one group and sex."""
    return impostor_exceedance(model, (group, sex), (group, sex), cosine)


def any_false_match(
    model: ScoreModel, probe: tuple[str, Sex], gallery: ClassCounts, cosine: float
) -> float:
    """P(a non-mated probe of class `probe` meets at least one face above `cosine`)."""
    (pg, ps) = probe
    faces = [(face, count) for face, count in gallery.items() if count]
    if not faces:
        return 0.0
    shared = np.array(
        [
            (model.groups[pg] if fg == pg else 0.0) + (model.sex[ps] if fs == ps else 0.0)
            for (fg, fs), _ in faces
        ]
    )
    loose = np.array([1.0 - model.structure_tightness(fg, fs) for (fg, fs), _ in faces])
    scale = np.sqrt((1.0 - model.structure_tightness(pg, ps)) * loose)
    q = sphere_tail((cosine - shared) / scale, model.individual_dims)
    counts = np.array([count for _, count in faces], dtype=np.float64)
    log_none = float(np.sum(counts * np.log1p(-np.minimum(q, 1.0 - 1e-16))))
    return -math.expm1(log_none)
