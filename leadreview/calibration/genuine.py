"""Mate (genuine) scores by capture quality, sampled with the generator's own functions."""

import numpy as np
import numpy.typing as npt

from leadreview.simulation.allocation import allocate_classes
from leadreview.simulation.embedding import (
    SEX_BY_CODE,
    blur,
    blur_along,
    individuals,
    orthogonal_directions,
)
from leadreview.simulation.mixes import ordered_group_mix
from leadreview.simulation.scenario import Scenario
from leadreview.simulation.score_model import CaptureNoise, ScoreModel
from leadreview.simulation.streams import stream


class MateSampler:
    """`count` booking photos of people of a scenario's gallery mix, and the random parts of
    a fresh capture of each. Only the noise scale is left open, so a fit by bisection sees
    the same draws at every step: a smooth, monotone function of the noise.
    """

    def __init__(self, model: ScoreModel, scenario: Scenario, count: int, seed: int) -> None:
        codes = {label: i for i, label in enumerate(model.groups)}
        mix = ordered_group_mix(scenario.gallery.group_mix, model, "gallery.group_mix")
        group, sex = allocate_classes(
            mix, scenario.gallery.female_share, count, codes, stream(seed, "mates", "classes")
        )
        self.person = individuals(stream(seed, "mates", "identity"), count, model)
        self.booking = blur(self.person, model.booking_noise, stream(seed, "mates", "booking"))
        self.direction = orthogonal_directions(self.person, stream(seed, "mates", "capture"))
        self.unit_spread = stream(seed, "mates", "scale").standard_normal(count)
        rho_group = np.array(list(model.groups.values()))[group]
        rho_sex = np.array([model.sex[s] for s in SEX_BY_CODE])[sex]
        self.tightness = rho_group + rho_sex

    def cosines(self, noise: CaptureNoise) -> npt.NDArray[np.float64]:
        scales = noise.median * np.exp(noise.spread * self.unit_spread)
        probe = blur_along(self.person, self.direction, scales)
        individual = np.einsum(
            "ij,ij->i", self.booking.astype(np.float64), probe.astype(np.float64)
        )
        out: npt.NDArray[np.float64] = self.tightness + (1.0 - self.tightness) * individual
        return out
