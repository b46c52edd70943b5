"""The synthetic face renderer: deterministic, near embeddings look alike, quality shows."""

import numpy as np
import pytest

from leadreview.domain.probe import CaptureQuality
from leadreview.simulation.face_renderer import render_face
from tests.support.search import near, unit_rows


def pixels(embedding: np.ndarray, quality: CaptureQuality = CaptureQuality.BOOKING) -> np.ndarray:
    return np.asarray(render_face(embedding, quality), dtype=np.float64)


def distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((a - b) ** 2)))


@pytest.mark.parametrize("quality", list(CaptureQuality))
def test_deterministic(quality: CaptureQuality) -> None:
    e = unit_rows(np.random.default_rng(1), 1, d=128)[0]
    first = render_face(e, quality)
    assert first.mode == "RGB" and first.size == (128, 128)
    assert first.tobytes() == render_face(e.copy(), quality).tobytes()


def test_near_embeddings_look_closer_than_far_ones() -> None:
    rng = np.random.default_rng(2)
    faces = unit_rows(rng, 12, d=128)
    for i, e in enumerate(faces):
        close = near(rng, e, 0.02)  # cosine about 0.97
        far = faces[(i + 1) % len(faces)]
        base = pixels(e)
        assert distance(base, pixels(close)) < distance(base, pixels(far))


def test_degradation_grows_with_worse_capture() -> None:
    e = unit_rows(np.random.default_rng(3), 1, d=128)[0]
    clean = pixels(e, CaptureQuality.BOOKING)

    def sharpness(img: np.ndarray) -> float:
        return float(np.mean(np.abs(np.diff(img.mean(axis=2), axis=1))))

    def saturation(img: np.ndarray) -> float:
        return float(np.mean(img.max(axis=2) - img.min(axis=2)))

    cctv = pixels(e, CaptureQuality.CCTV)
    assert saturation(cctv) < saturation(pixels(e, CaptureQuality.PHONE)) < saturation(clean)
    assert np.std(cctv) < np.std(clean)  # low contrast
    phone = pixels(e, CaptureQuality.PHONE)
    assert distance(clean, phone) > 0
    assert sharpness(clean) > 0


def test_sizes_and_bad_input() -> None:
    e = np.ones(64, dtype=np.float32)
    assert render_face(e, CaptureQuality.PORTRAIT, size=256).size == (256, 256)
    with pytest.raises(ValueError):
        render_face(np.zeros(64), CaptureQuality.BOOKING)
    with pytest.raises(ValueError):
        render_face(e, CaptureQuality.BOOKING, size=8)
