"""Run every bench/bench_*.py (or those named on the command line) and print a table."""

import importlib
import pkgutil
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench import BenchResult


def _modules(selected: list[str]) -> list[str]:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    if selected:
        names = [n for n in names if any(s in n for s in selected)]
    return names


def main() -> int:
    console = Console()
    results: list[BenchResult] = []
    for name in _modules(sys.argv[1:]):
        console.print(f"[bold]{name}[/bold] …")
        module = importlib.import_module(f"bench.{name}")
        for result in module.run():
            results.append(result)
            mark = "ok" if result.passed else "MISSED"
            console.print(
                f"  {result.name}: {result.value:.4g} {result.unit} vs {result.baseline_name} "
                f"{result.baseline:.4g} {result.unit} → ratio {result.ratio:.3f} "
                f"(target {result.target}) {mark}"
            )
    table = Table(title="Benchmarks (medians; ratios against a baseline run side by side)")
    for column in ("benchmark", "value", "baseline", "ratio", "target", "result"):
        table.add_column(column)
    for r in results:
        table.add_row(
            r.name,
            f"{r.value:.4g} {r.unit}",
            f"{r.baseline_name}: {r.baseline:.4g} {r.unit}",
            f"{r.ratio:.3f}",
            r.target,
            "ok" if r.passed else "MISSED",
        )
    console.print(table)
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
