"""Which compiled loops this process runs, chosen once from above.

The search kernels and the verifier's C loops each have a numpy or Python path that
gives the same results; `LEADREVIEW_SEARCH_KERNEL` and `LEADREVIEW_VERIFY_KERNEL` force
one, to compare them on one machine and to test both. The kernel also takes no more
threads than BLAS is given (`OMP_NUM_THREADS`, `OPENBLAS_NUM_THREADS`), since it stands
in for BLAS in the product.

Nothing below the composition root reads the environment (tests/cli/test_composition_
root.py): the command line reads these variables when a command starts and hands them
here (`choose`); the search and the verifier ask `chosen()`. A worker process gets its
parent's choice from its pool's initializer, with its share of the cores.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal, cast, get_args

from leadreview.errors import ConfigurationError

SEARCH_KERNEL_ENV = "LEADREVIEW_SEARCH_KERNEL"
VERIFY_KERNEL_ENV = "LEADREVIEW_VERIFY_KERNEL"
_THREAD_ENVS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")

# "": the default for each (see block_scoring.py and chain_kernel.py).
SearchKernel = Literal["", "kernel", "numpy"]
VerifyKernel = Literal["", "python", "driver"]


@dataclass(frozen=True)
class CompiledPaths:
    search: SearchKernel = ""
    verify: VerifyKernel = ""
    # Threads the search kernel may use; None: every core this process may use.
    kernel_threads: int | None = None

    def with_thread_share(self, threads: int) -> "CompiledPaths":
        """The same choice for a worker given `threads` of the cores."""
        current = self.kernel_threads
        return replace(self, kernel_threads=max(1, min(threads, current or threads)))


def _one_of(environment: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = environment.get(name, "").strip().lower()
    if value not in allowed:
        shown = ", ".join(a for a in allowed if a)
        raise ConfigurationError(f"{name}={value!r}: expected one of {shown}, or unset")
    return value


def from_environment(environment: Mapping[str, str]) -> CompiledPaths:
    """The choice `environment` asks for; a value it does not know is a clear error."""
    search = _one_of(environment, SEARCH_KERNEL_ENV, get_args(SearchKernel))
    verify = _one_of(environment, VERIFY_KERNEL_ENV, get_args(VerifyKernel))
    threads = None
    for name in _THREAD_ENVS:
        value = environment.get(name, "").strip()
        if value.isdigit() and int(value) > 0:
            threads = min(threads or int(value), int(value))
    return CompiledPaths(cast(SearchKernel, search), cast(VerifyKernel, verify), threads)


_chosen: list[CompiledPaths] = [CompiledPaths()]


def choose(paths: CompiledPaths) -> None:
    """Set the choice for this process (the command line at start, a worker at start)."""
    _chosen[0] = paths


def chosen() -> CompiledPaths:
    return _chosen[0]
