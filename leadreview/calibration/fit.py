"""Fit the score model to the targets.

Fixed (priors, kept from the starting file): dims, the reference group's tightness, the
pattern of the other groups' tightness above it, men's tightness, booking noise, and the
spread of capture noise. Fitted, in this order:

1. how far the other groups sit above the reference (one scale on the pattern), so that
   people of color make up the ACLU share of falsely matched members of Congress, while
   the cosine of threshold 80 is solved so that the expected ACLU count is met;
2. women's tightness, so that women falsely match men's rate times the NIST factor;
3. the logistic scale `w`, so that the share of Congress-like probes with a 99 impostor
   in a gallery of a million is the tail target; `c0` follows from the cosine of 80;
4. each capture quality's median noise, so that its median mate similarity is met.

Steps 1-3 use the exact impostor distribution; step 4 samples mates with the generator's
own functions and common random numbers, so every bisection sees a monotone function.
"""

import math
from collections.abc import Callable
from functools import partial

import numpy as np

from leadreview.calibration.analytic import (
    differentials,
    expected_false_match_probes,
    operating_cosine,
)
from leadreview.calibration.genuine import MateSampler
from leadreview.calibration.targets import Targets
from leadreview.domain.identity import Sex
from leadreview.errors import LeadreviewError
from leadreview.simulation.scenario import Scenario
from leadreview.simulation.score_model import CaptureNoise, ScoreModel
from leadreview.simulation.similarity import SimilarityMap

# Group plus sex tightness must stay below the score model's limit of 0.9.
_MAX_TIGHTNESS = 0.85
_ROUNDS = 4
_FIT_SEED = 20180726


class CalibrationError(LeadreviewError):
    """The targets cannot be met from these priors."""

    exit_code = 1


def _bisect(
    f: Callable[[float], float],
    lo: float,
    hi: float,
    target: float,
    *,
    increasing: bool,
    steps: int,
) -> float:
    for _ in range(steps):
        mid = (lo + hi) / 2
        if (f(mid) < target) == increasing:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def logit(similarity: float) -> float:
    return math.log(similarity / (100.0 - similarity))


def _with(model: ScoreModel, **changes: object) -> ScoreModel:
    return ScoreModel.model_validate({**model.model_dump(), **changes})


def _spread_groups(start: ScoreModel, reference: str, scale: float) -> dict[str, float]:
    base = start.groups[reference]
    offsets = {g: rho - base for g, rho in start.groups.items()}
    peak = max(offsets.values())
    return {g: base + scale * offset / peak for g, offset in offsets.items()}


class _Fitter:
    def __init__(self, start: ScoreModel, targets: Targets, aclu: Scenario, genuine: Scenario):
        self.start = start
        self.targets = targets
        self.aclu = aclu
        self.genuine = genuine
        self.reference = targets.aclu.reference_group
        if self.reference not in start.groups:
            raise CalibrationError(f"reference group {self.reference!r} is not in the score model")
        self.peak = max(rho - start.groups[self.reference] for rho in start.groups.values())
        if self.peak <= 0:
            raise CalibrationError(
                "every group is as tight as the reference group: there is no pattern of "
                "demographic differentials to scale (give other groups a higher rho)"
            )

    def cosine_for_count(self, model: ScoreModel) -> float:
        wanted = self.targets.aclu.probes_with_false_match.aim()
        return _bisect(
            lambda x: expected_false_match_probes(model, self.aclu, x, self.reference).probes,
            0.0, 1.0, wanted, increasing=False, steps=40,
        )  # fmt: skip

    def fit_group_spread(self, model: ScoreModel) -> ScoreModel:
        room = _MAX_TIGHTNESS - max(model.sex.values()) - model.groups[self.reference]

        def share(scale: float) -> float:
            trial = _with(model, groups=_spread_groups(self.start, self.reference, scale))
            x = self.cosine_for_count(trial)
            return expected_false_match_probes(
                trial, self.aclu, x, self.reference
            ).share_outside_reference

        wanted = self.targets.aclu.people_of_color_share.aim()
        if share(room) < wanted:
            raise CalibrationError(
                f"no group tightness up to {_MAX_TIGHTNESS} gives a people-of-color share "
                f"of {wanted:g} in the ACLU test"
            )
        scale = _bisect(share, 0.0, room, wanted, increasing=True, steps=30)
        return _with(model, groups=_spread_groups(self.start, self.reference, scale))

    def fit_women(self, model: ScoreModel) -> ScoreModel:
        x = operating_cosine(model, self.reference, self.targets.nist.operating_fmr)
        room = _MAX_TIGHTNESS - max(model.groups.values())

        def ratio(rho_women: float) -> float:
            trial = _with(model, sex={**model.sex, Sex.FEMALE: rho_women})
            return differentials(trial, self.reference, x).women_to_men

        rho_women = _bisect(
            ratio, 0.0, room, self.targets.nist.women_to_men.aim(), increasing=True, steps=40
        )
        return _with(model, sex={**model.sex, Sex.FEMALE: rho_women})

    def fit_map(self, model: ScoreModel) -> ScoreModel:
        x_low = self.cosine_for_count(model)
        tail = self.targets.tail
        probes = self.aclu.probes.count
        x_high = _bisect(
            lambda x: expected_false_match_probes(
                model, self.aclu, x, self.reference, tail.gallery_size
            ).probes / probes,
            x_low, 1.0, tail.fraction_of_probes.aim(), increasing=False, steps=40,
        )  # fmt: skip
        low = self.targets.aclu.threshold
        w = (x_high - x_low) / (logit(tail.threshold) - logit(low))
        return _with(model, similarity=SimilarityMap(c0=x_low - w * logit(low), w=w))

    def fit_capture(self, model: ScoreModel) -> ScoreModel:
        # Capture noise does not move the demographic part, so one sampler serves all.
        sampler = MateSampler(model, self.genuine, self.targets.genuine.fit_samples, _FIT_SEED)

        def median(spread: float, log_noise: float) -> float:
            noise = CaptureNoise(median=math.exp(log_noise), spread=spread)
            return float(np.median(model.similarity(sampler.cosines(noise))))

        fitted = dict(model.capture_noise)
        for quality, band in self.targets.genuine.median_similarity.items():
            if band.target is None:
                continue
            spread = fitted[quality].spread
            log_noise = _bisect(
                partial(median, spread),
                math.log(1e-3),
                math.log(20.0),
                band.target,
                increasing=False,
                steps=40,
            )
            fitted[quality] = CaptureNoise(median=math.exp(log_noise), spread=spread)
        return _with(model, capture_noise=fitted)

    def run(self) -> ScoreModel:
        model = self.start
        for _ in range(_ROUNDS):
            model = self.fit_women(self.fit_group_spread(model))
        return self.fit_capture(self.fit_map(model))


def fit_score_model(
    start: ScoreModel, targets: Targets, aclu: Scenario, genuine: Scenario
) -> ScoreModel:
    """The score model re-fitted to `targets`, keeping `start`'s priors."""
    return _Fitter(start, targets, aclu, genuine).run()
