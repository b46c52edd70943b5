"""The compiled PCG64 normals (`_normals.c`) against numpy's own draws: the same values,
the same generator state after, and numpy's path wherever the compiled one cannot go."""

from types import ModuleType

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadreview.simulation import normals
from leadreview.simulation.gallery_build import build_gallery
from leadreview.simulation.scenario import load_scenario
from leadreview.simulation.score_model import load_score_model


@pytest.fixture(scope="module")
def kernel() -> ModuleType:
    compiled = normals.compiled_normals()
    if compiled is None:
        pytest.skip("the compiled normals are not built, or numpy's generator differs here")
    return compiled


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**63),
    size=st.integers(0, 5_000),
    buffered=st.booleans(),
)
def test_the_same_values_and_state_as_numpy(
    kernel: ModuleType, seed: int, size: int, buffered: bool
) -> None:
    """Any length (odd ones end on half a 64-bit step), from a fresh generator or one
    holding a buffered 32-bit half."""
    ours, theirs = np.random.default_rng(seed), np.random.default_rng(seed)
    if buffered:  # one float32 draw leaves the high half of a step buffered
        ours.standard_normal(dtype=np.float32)
        theirs.standard_normal(dtype=np.float32)
    out = np.empty(size, dtype=np.float32)
    normals.standard_normal_into(ours, out)
    assert np.array_equal(out, theirs.standard_normal(size, dtype=np.float32))
    assert ours.bit_generator.state == theirs.bit_generator.state
    # And the streams go on alike.
    assert ours.standard_normal(dtype=np.float32) == theirs.standard_normal(dtype=np.float32)


def test_a_million_draws_take_every_rare_path_as_numpy_does(kernel: ModuleType) -> None:
    ours, theirs = np.random.default_rng(2018), np.random.default_rng(2018)
    out = np.empty((1_000, 1_000), dtype=np.float32)
    normals.standard_normal_into(ours, out)
    expected = theirs.standard_normal((1_000, 1_000), dtype=np.float32)
    assert np.array_equal(out, expected)
    assert np.abs(expected).max() > 4.5  # the tail was drawn (about 7 draws in a million)


def test_other_generators_and_strided_targets_take_numpys_path() -> None:
    ours, theirs = (
        np.random.Generator(np.random.Philox(3)),
        np.random.Generator(np.random.Philox(3)),
    )
    out = np.empty(100, dtype=np.float32)
    normals.standard_normal_into(ours, out)
    assert np.array_equal(out, theirs.standard_normal(100, dtype=np.float32))
    strided = np.empty((10, 20), dtype=np.float32)[:, ::2]
    with pytest.raises(ValueError, match="contiguous"):  # as numpy refuses it
        normals.standard_normal_into(np.random.default_rng(4), strided)


def test_a_kernel_that_disagrees_with_numpy_is_not_used(kernel: ModuleType) -> None:
    class OffByOne:
        """Numpy's values but one: the check must catch a single differing draw."""

        def fill(self, *args: object) -> tuple[int, int, bool, int]:
            result: tuple[int, int, bool, int] = kernel.fill(*args)
            out = args[-1]
            assert isinstance(out, np.ndarray)
            out[len(out) // 2] = np.nextafter(out[len(out) // 2], np.float32(np.inf))
            return result

    assert normals._agrees_with_numpy(kernel)
    assert not normals._agrees_with_numpy(OffByOne())  # type: ignore[arg-type]


def test_a_gallery_is_the_same_bytes_with_numpys_draws(
    kernel: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = load_score_model()
    spec = load_scenario("aclu-2018").gallery.model_copy(update={"size": 70_000})
    compiled = build_gallery(spec, model, 11).embeddings
    monkeypatch.setattr(normals, "compiled_normals", lambda: None)
    numpy_drawn = build_gallery(spec, model, 11).embeddings
    assert compiled.tobytes() == numpy_drawn.tobytes()
