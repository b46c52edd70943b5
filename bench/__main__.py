"""Run every bench/bench_*.py (or those named on the command line) and print a table.

`--tiny` runs them at toy sizes (see `bench.tiny`): proof that they run to the end.
"""

import importlib
import os
import pkgutil
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench import TINY_ENV, BenchResult, tiny


def _modules(selected: list[str]) -> list[str]:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    if selected:
        names = [n for n in names if any(s in n for s in selected)]
    return names


def _figure(value: float, best: float | None, unit: str) -> str:
    return f"{value:.4g} {unit}" + ("" if best is None else f" (best {best:.4g})")


def main() -> int:
    args = sys.argv[1:]
    if "--tiny" in args:
        args.remove("--tiny")
        os.environ[TINY_ENV] = "1"
    console = Console(width=200)
    results: list[BenchResult] = []
    for name in _modules(args):
        console.print(f"[bold]{name}[/bold] …")
        module = importlib.import_module(f"bench.{name}")
        for result in module.run():
            results.append(result)
            mark = "ok" if result.passed else "MISSED"
            console.print(
                f"  {result.name}: {_figure(result.value, result.value_best, result.unit)} "
                f"vs {result.baseline_name} "
                f"{_figure(result.baseline, result.baseline_best, result.unit)} "
                f"→ ratio {result.ratio:.3f} (target {result.target}) {mark}",
                soft_wrap=True,  # one figure, one line: the tiny-mode test reads them so
            )
    title = "Benchmarks (medians, best in brackets; ratios of medians against a baseline"
    title += " run side by side)" + (" — TINY: sizes too small to mean anything" if tiny() else "")
    table = Table(title=title)
    for column in ("benchmark", "value", "baseline", "ratio", "target", "result"):
        table.add_column(column)
    for r in results:
        table.add_row(
            r.name,
            _figure(r.value, r.value_best, r.unit),
            f"{r.baseline_name}: {_figure(r.baseline, r.baseline_best, r.unit)}",
            f"{r.ratio:.3f}",
            r.target,
            "ok" if r.passed else "MISSED",
        )
    console.print(table)
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
