"""What a drawn face looks like, before any drawing: its traits and its colours.

Each visible trait is a smooth function of a fixed random projection of the embedding
(`face_traits`), so near embeddings look alike and far ones differ. The palettes are
ordered so that a small change of trait moves to a neighbouring colour.
"""

import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

RGB = tuple[int, int, int]

_PROJECTION_SEED = 0x1EAD_FACE  # fixed: the same embedding always draws the same face
_TRAITS = 22

# Palettes are ordered so that a small change of trait moves to a neighbouring colour.
SKIN = [(255, 224, 196), (241, 194, 160), (224, 172, 130), (198, 134, 94), (141, 85, 54)]
SKIN += [(96, 58, 38)]
HAIR = [(24, 20, 18), (60, 40, 28), (104, 70, 44), (150, 80, 40), (210, 170, 100)]
HAIR += [(160, 158, 152)]
IRIS = [(70, 45, 25), (110, 80, 40), (95, 120, 70), (70, 110, 150), (120, 130, 140)]
SHIRTS = [(70, 90, 130), (130, 60, 60), (60, 110, 90), (90, 90, 90), (150, 120, 70)]
BOOKING_SHIRT = (214, 110, 50)  # jail-issue orange: a booking photo reads as one


@dataclass(frozen=True)
class Traits:
    """Every trait in [0, 1], from one projection of the embedding each."""

    values: tuple[float, ...]

    def __getitem__(self, i: int) -> float:
        return self.values[i]


Oval = tuple[float, float, float, float]  # centre x, centre y, half-width, half-height


@dataclass(frozen=True)
class FaceLayout:
    """Where the features go (unit coordinates) and the face's colours."""

    cx: float
    cy: float
    a: float  # half-width of the head
    b: float  # half-height of the head
    skin: RGB
    hair: RGB

    @property
    def head(self) -> Oval:
        return (self.cx, self.cy, self.a, self.b)

    @property
    def eye_y(self) -> float:
        return self.cy - self.b * 0.05

    @property
    def mouth_y(self) -> float:
        return self.cy + self.b * 0.55


@cache
def _projection(dimension: int) -> npt.NDArray[np.float64]:
    """(dimension, traits) unit columns, fixed for all time by the seed."""
    rng = np.random.default_rng(_PROJECTION_SEED + dimension)
    directions = rng.standard_normal((dimension, _TRAITS))
    return np.asarray(directions / np.linalg.norm(directions, axis=0), dtype=np.float64)


def face_traits(embedding: npt.ArrayLike) -> Traits:
    vector = np.asarray(embedding, dtype=np.float64).ravel()
    norm = float(np.linalg.norm(vector))
    if vector.size == 0 or not math.isfinite(norm) or norm == 0.0:
        raise ValueError("a face is drawn from a finite, non-zero embedding")
    # A projection of a random unit vector has standard deviation 1/sqrt(d): rescale to
    # N(0, 1), then the normal CDF spreads traits evenly over [0, 1].
    z = (vector / norm) @ _projection(vector.size) * math.sqrt(vector.size)
    return Traits(tuple(0.5 * (1.0 + math.erf(float(v) / math.sqrt(2.0))) for v in z))


def mix(palette: list[RGB], t: float) -> RGB:
    """A colour along a palette, blending neighbours (smooth in t)."""
    x = min(max(t, 0.0), 1.0) * (len(palette) - 1)
    i = min(int(x), len(palette) - 2)
    f = x - i
    a, b = palette[i], palette[i + 1]
    return (
        round(a[0] + (b[0] - a[0]) * f),
        round(a[1] + (b[1] - a[1]) * f),
        round(a[2] + (b[2] - a[2]) * f),
    )


def shade(colour: RGB, factor: float) -> RGB:
    return (
        min(255, round(colour[0] * factor)),
        min(255, round(colour[1] * factor)),
        min(255, round(colour[2] * factor)),
    )


def luma(colour: RGB) -> float:
    return 0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2]


def contrasting(hair: RGB, skin: RGB) -> RGB:
    """Hair that stands out from the skin: a cartoon needs the outline of the head."""
    if abs(luma(hair) - luma(skin)) >= 45:
        return hair
    darker = shade(hair, 0.45)
    if abs(luma(darker) - luma(skin)) >= 30:
        return darker
    return mix([hair, (236, 226, 210)], 0.6)  # very dark skin, dark hair: go grey-blond


def lerp(lo: float, hi: float, t: float) -> float:
    return lo + (hi - lo) * t
