"""The similarity map: monotone, bounded, invertible, usable as a plain callable."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadreview.simulation.score_model import load_score_model
from leadreview.simulation.similarity import SimilarityMap

maps = st.builds(
    SimilarityMap,
    c0=st.floats(min_value=-0.5, max_value=0.9),
    w=st.floats(min_value=0.005, max_value=0.3),
)
cosines = st.floats(min_value=-1.0, max_value=1.0)


@given(maps, cosines, cosines)
def test_monotone_and_bounded(similarity: SimilarityMap, a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    s_lo, s_hi = similarity.to_similarity(np.array([lo, hi]))
    assert 0.0 <= s_lo <= s_hi <= 100.0


@given(maps, st.floats(min_value=0.01, max_value=99.99))
def test_inverse_maps_threshold_to_cosine_and_back(similarity: SimilarityMap, s: float) -> None:
    cosine = similarity.cosine_at(s)
    assert similarity.similarity_at(cosine) == pytest.approx(s, rel=1e-9, abs=1e-9)


def test_inverse_ends_and_range() -> None:
    similarity = SimilarityMap(c0=0.4, w=0.03)
    assert similarity.cosine_at(0.0) == -math.inf
    assert similarity.cosine_at(100.0) == math.inf
    assert similarity.cosine_at(50.0) == pytest.approx(0.4)
    with pytest.raises(ValueError):
        similarity.to_cosine(100.5)


def test_callable_takes_float32_and_returns_float64_of_same_shape() -> None:
    similarity = load_score_model().similarity
    cos = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
    out = similarity(cos)
    assert out.dtype == np.float64 and out.shape == (3, 4)
    assert np.all(np.diff(out.ravel()) >= 0)


def test_bundled_map_orders_the_policy_thresholds() -> None:
    similarity = load_score_model().similarity
    c80, c95, c99 = (similarity.cosine_at(t) for t in (80, 95, 99))
    assert c80 < c95 < c99 < 1.0
