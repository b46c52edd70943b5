"""float32 standard normals as numpy draws them, from the compiled `_normals` when it
is built and agrees with numpy on this machine, else from numpy itself.

A gallery's generation is mostly its draws: two float32 normals per individual
dimension and face. numpy's `Generator.standard_normal` calls the bit generator through
a function pointer for every 32 bits; `_normals.c` runs PCG64 inline and hands only the
ziggurat's rare cases to numpy's own function, so the values (and the generator's state
after) are exactly numpy's. Before first use it draws a sample both ways; any difference
(a numpy whose generator changed, a table it could not read) and every draw goes
through numpy, as it did before.
"""

import ctypes
import threading
from types import ModuleType

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]

_MASK64 = (1 << 64) - 1
# Enough draws that the ziggurat's rare paths (under 1% of draws) are all taken.
_CHECK_DRAWS = 200_000

_lock = threading.Lock()
_chosen: list[ModuleType | None] = []


def _numpy_normal_address() -> int | None:
    """Address of numpy's random_standard_normal_f, where its generator module exports it."""
    try:
        from numpy.random import _generator

        library = ctypes.CDLL(_generator.__file__)
        address = ctypes.cast(library.random_standard_normal_f, ctypes.c_void_p).value
    except (OSError, AttributeError, ImportError):
        return None
    return address or None


def fill_compiled(kernel: ModuleType, rng: np.random.Generator, out: FloatArray) -> None:
    """`rng.standard_normal(dtype=np.float32, out=out)` through `kernel`; `rng` is left
    in the state numpy would leave it in. `rng` must be a PCG64 generator."""
    full = rng.bit_generator.state
    state, inc = full["state"]["state"], full["state"]["inc"]
    high, low, has_uint32, uinteger = kernel.fill(
        state >> 64, state & _MASK64, inc >> 64, inc & _MASK64,
        bool(full["has_uint32"]), int(full["uinteger"]), out,
    )  # fmt: skip
    rng.bit_generator.state = {
        "bit_generator": "PCG64",
        "state": {"state": (high << 64) | low, "inc": inc},
        "has_uint32": has_uint32,
        "uinteger": uinteger,
    }


def _agrees_with_numpy(kernel: ModuleType) -> bool:
    for seed in (0, 1, 2018):
        ours, theirs = np.random.default_rng(seed), np.random.default_rng(seed)
        sample = np.empty(_CHECK_DRAWS + seed % 7, dtype=np.float32)
        fill_compiled(kernel, ours, sample)
        if not np.array_equal(sample, theirs.standard_normal(sample.size, dtype=np.float32)):
            return False
        if ours.bit_generator.state != theirs.bit_generator.state:
            return False
    return True


def compiled_normals() -> ModuleType | None:
    """The compiled module, prepared and checked against numpy once per process; None
    when it is not built or does not give numpy's values here."""
    with _lock:
        if not _chosen:
            _chosen.append(_prepare())
        return _chosen[0]


def _prepare() -> ModuleType | None:
    try:
        from leadreview.simulation import _normals
    except ImportError:  # built without a C compiler: numpy draws
        return None
    address = _numpy_normal_address()
    if address is None or _normals.prepare(address) == 0:
        return None
    kernel: ModuleType = _normals
    return kernel if _agrees_with_numpy(kernel) else None


def standard_normal_into(rng: np.random.Generator, out: FloatArray) -> None:
    """Fill `out` (C-contiguous float32) as `rng.standard_normal(dtype=np.float32,
    out=out)` does, leaving `rng` in the same state."""
    kernel = compiled_normals()
    if (
        kernel is None
        or not isinstance(rng.bit_generator, np.random.PCG64)
        or not out.flags.c_contiguous
    ):
        rng.standard_normal(dtype=np.float32, out=out)
        return
    fill_compiled(kernel, rng, out)
