"""The project's benchmarks: `python -m bench` (or `make bench`).

Each `bench/bench_*.py` module exposes `run() -> list[BenchResult]`. Every figure is
measured side by side with a baseline in the same run and printed as a ratio, because
this machine's absolute speed drifts; the target says which ratio (or figure) passes.
Figures are repeated and reported as min and median: a single sample on a shared
machine says little.

`python -m bench --tiny` runs every benchmark at toy sizes in seconds, so a test can
prove the benchmarks still run to the end; its figures mean nothing and pass always.
"""

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

TINY_ENV = "LEADREVIEW_BENCH_TINY"


def tiny() -> bool:
    """Whether this run only proves the benchmarks still work (read per call: the
    command line sets it after the modules are imported)."""
    return os.environ.get(TINY_ENV) == "1"


def scaled(normal: int, small: int) -> int:
    """`normal` for a real run, `small` for a tiny one."""
    return small if tiny() else normal


@dataclass(frozen=True)
class Timing:
    """Seconds of repeated runs of one action."""

    samples: tuple[float, ...]

    @property
    def min(self) -> float:
        return min(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)


@dataclass(frozen=True)
class BenchResult:
    name: str
    value: float
    unit: str
    baseline_name: str
    baseline: float
    target: str
    passed: bool
    value_best: float | None = None
    """The best of the repeats (the fastest run; `value` is their median), in `unit`."""
    baseline_best: float | None = None

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else float("inf")


class Deadline:
    """A wait that gives up: a benchmark that waits for a screen or a process must end
    with an error, not hang `make bench` forever."""

    def __init__(self, seconds: float, what: str) -> None:
        self._until = time.monotonic() + seconds
        self._what = what

    def check(self) -> None:
        if time.monotonic() > self._until:
            raise TimeoutError(f"benchmark gave up waiting for {self._what}")


def timings(action: Callable[[], object], repeats: int = 5, warmup: int = 1) -> Timing:
    """Wall times of `action` over `repeats` runs after `warmup` uncounted ones."""
    repeats = scaled(repeats, 1)
    for _ in range(scaled(warmup, 0)):
        action()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return Timing(tuple(samples))


def median_seconds(action: Callable[[], object], repeats: int = 5, warmup: int = 1) -> float:
    """Median wall time of `action` over `repeats` runs after `warmup` uncounted ones."""
    return timings(action, repeats, warmup).median


def paired_timings(
    action: Callable[[], object],
    baseline: Callable[[], object],
    repeats: int = 5,
    warmup: int = 1,
) -> tuple[Timing, Timing]:
    """`action` and `baseline` timed in turn (A B A B …), so drift hits both."""
    for _ in range(scaled(warmup, 0)):
        action()
        baseline()
    a_times, b_times = [], []
    for _ in range(scaled(repeats, 1)):
        start = time.perf_counter()
        action()
        a_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        baseline()
        b_times.append(time.perf_counter() - start)
    return Timing(tuple(a_times)), Timing(tuple(b_times))


def paired_median_seconds(
    action: Callable[[], object],
    baseline: Callable[[], object],
    repeats: int = 5,
    warmup: int = 1,
) -> tuple[float, float]:
    """Medians of `action` and `baseline` timed in turn (A B A B …)."""
    ours, theirs = paired_timings(action, baseline, repeats, warmup)
    return ours.median, theirs.median


def timed_result(
    name: str,
    ours: Timing,
    baseline_name: str,
    floor: Timing,
    *,
    target: str,
    passed: Callable[[float, float], bool],
    unit: str = "ms",
    scale: float = 1000.0,
) -> BenchResult:
    """A result from two timings: medians compared by `passed(ours, floor)`, mins shown."""
    return BenchResult(
        name=name,
        value=ours.median * scale,
        unit=unit,
        baseline_name=baseline_name,
        baseline=floor.median * scale,
        target=target,
        passed=tiny() or passed(ours.median, floor.median),
        value_best=ours.min * scale,
        baseline_best=floor.min * scale,
    )


def rate_result(
    name: str,
    count: int,
    ours: Timing,
    baseline_name: str,
    floor: Timing,
    *,
    target: str,
    passed: Callable[[float, float], bool],
    unit: str = "events/s",
) -> BenchResult:
    """A result in items per second (median; best as the min)."""
    return BenchResult(
        name=name,
        value=count / ours.median,
        unit=unit,
        baseline_name=baseline_name,
        baseline=count / floor.median,
        target=target,
        passed=tiny() or passed(count / ours.median, count / floor.median),
        value_best=count / ours.min,
        baseline_best=count / floor.min,
    )
