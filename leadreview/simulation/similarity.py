"""Cosine similarity to Rekognition's 0-100 `Similarity`, and back.

A logistic in cosine: steep enough that the impostor tail thins fast between 80 and 99,
and saturating so that good mates sit at 99.9+ as Rekognition's do.
"""

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field


class SimilarityMap(BaseModel):
    """`Similarity = 100 / (1 + exp(-(cos - c0) / w))`: monotone increasing in cosine."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    c0: float = Field(ge=-1.0, le=1.0, description="the cosine that maps to 50")
    w: float = Field(gt=0.0, le=1.0, description="logistic scale, in cosine units")

    def __call__(self, cosines: npt.NDArray[np.floating]) -> npt.NDArray[np.float64]:
        return self.to_similarity(cosines)

    def to_similarity(self, cosines: npt.ArrayLike) -> npt.NDArray[np.float64]:
        x = (np.asarray(cosines, dtype=np.float64) - self.c0) / self.w
        # exp(-x) overflows for very negative x; 100 * expit(x) written stably instead.
        out: npt.NDArray[np.float64] = 100.0 * np.exp(-np.logaddexp(0.0, -x))
        return out

    def to_cosine(self, similarity: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """The cosine at which `to_similarity` reaches `similarity`: 0 maps to -inf, 100 to +inf."""
        s = np.asarray(similarity, dtype=np.float64)
        if np.any((s < 0.0) | (s > 100.0)):
            raise ValueError("similarity must lie in 0..100")
        with np.errstate(divide="ignore"):
            logit = np.log(s) - np.log(100.0 - s)
        out: npt.NDArray[np.float64] = self.c0 + self.w * logit
        return out

    def cosine_at(self, similarity: float) -> float:
        """Scalar convenience for thresholds."""
        return float(self.to_cosine(similarity))

    def similarity_at(self, cosine: float) -> float:
        return float(self.to_similarity(cosine))
