"""The project's benchmarks: `python -m bench` (or `make bench`).

Each `bench/bench_*.py` module exposes `run() -> list[BenchResult]`. Every figure is
measured side by side with a baseline in the same run and printed as a ratio, because
this machine's absolute speed drifts; the target says which ratio (or figure) passes.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class BenchResult:
    name: str
    value: float
    unit: str
    baseline_name: str
    baseline: float
    target: str
    passed: bool

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("inf")


def median_seconds(action: Callable[[], object], repeats: int = 5, warmup: int = 1) -> float:
    """Median wall time of `action` over `repeats` runs after `warmup` uncounted ones."""
    for _ in range(warmup):
        action()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2]


def paired_median_seconds(
    action: Callable[[], object],
    baseline: Callable[[], object],
    repeats: int = 5,
    warmup: int = 1,
) -> tuple[float, float]:
    """Medians of `action` and `baseline` timed in turn (A B A B …), so drift hits both."""
    for _ in range(warmup):
        action()
        baseline()
    a_times, b_times = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        a_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        baseline()
        b_times.append(time.perf_counter() - start)
    a_times.sort()
    b_times.sort()
    return a_times[len(a_times) // 2], b_times[len(b_times) // 2]
