"""Shared helpers for the simulated-Rekognition tests (not a test module)."""

from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from leadreview.search.probe_image import ImageFormat, encode_probe_image
from leadreview.search.simulated import SimulatedRekognition
from tests.support.compiled import use_paths

DIM = 32


def logistic_similarity(cosines: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """A stand-in for the calibrated map: monotone, 0-100, steep around cosine 0.5."""
    return 100.0 / (1.0 + np.exp(-12.0 * (cosines.astype(np.float64) - 0.5)))


def unit_rows(rng: np.random.Generator, n: int, d: int = DIM) -> npt.NDArray[np.float32]:
    x = rng.standard_normal((n, d)).astype(np.float32)
    rows: npt.NDArray[np.float32] = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(
        np.float32
    )
    return rows


def near(rng: np.random.Generator, v: npt.NDArray[np.float32], noise: float) -> Any:
    x = v + noise * rng.standard_normal(v.shape).astype(np.float32)
    return (x / np.linalg.norm(x)).astype(np.float32)


def probe_bytes(embedding: npt.ArrayLike, fmt: ImageFormat = "PNG", side: int = 96) -> bytes:
    return encode_probe_image(embedding, Image.new("RGB", (side, side), (128, 128, 128)), fmt)


def gallery_client(
    n: int = 200,
    seed: int = 0,
    collection: str = "gallery",
    dtype: type[np.floating[Any]] = np.float32,
    search_budget_bytes: int | None = None,
) -> tuple[SimulatedRekognition, npt.NDArray[Any]]:
    """A client with one collection of `n` imported faces (ExternalImageId 'person-<i>'),
    and the gallery as stored (float32, or float16 when asked)."""
    rng = np.random.default_rng(seed)
    gallery = unit_rows(rng, n).astype(dtype)
    budget = {} if search_budget_bytes is None else {"search_budget_bytes": search_budget_bytes}
    client = SimulatedRekognition(logistic_similarity, **budget)
    client.create_collection(CollectionId=collection)
    client.import_faces(collection, gallery, [f"person-{i}" for i in range(n)])
    return client, gallery


def without_metadata(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


@pytest.fixture(autouse=True, params=["kernel", "numpy"])
def on_both_product_paths(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """Runs a module's tests on the compiled kernel and on numpy's path (import it into a
    test module, where it applies to every test): both must be exact. Per test, after
    conftest's reset of the choice to the defaults (a module-wide choice would be undone)."""
    use_paths(monkeypatch, search=request.param)
    yield request.param
