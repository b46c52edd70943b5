"""`make bench` must run to the end: every benchmark at toy sizes, in a real process.

The benchmarks are not type-checked with the package and nothing else runs them, so a
change to the app (a new gateway method, a renamed option) once left `make bench`
waiting forever. Tiny figures mean nothing; this proves only that every benchmark
runs, finishes and reports against its baseline.
"""

import os
import subprocess
import sys
from pathlib import Path

import bench
from tests.conftest import postgres_base_url

ROOT = Path(__file__).resolve().parents[2]


def test_every_benchmark_runs_to_the_end_in_tiny_mode(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "LEADREVIEW_DATA_DIR": str(tmp_path / "data"),
        "LEADREVIEW_CONFIG": str(tmp_path / "absent.toml"),
        "LEADREVIEW_KEYMAP_FILE": str(tmp_path / "keymap"),
        # The throughput bench makes (and drops) databases of its own on the tests' server.
        "LEADREVIEW_BENCH_POSTGRES_URL": postgres_base_url(),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--tiny"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    modules = sorted(p.stem for p in Path(bench.__file__).parent.glob("bench_*.py"))
    for module in modules:
        assert f"{module} …" in done.stdout
    # Every figure is reported against a baseline measured in the same run.
    figures = [line for line in done.stdout.splitlines() if "→ ratio" in line]
    assert len(figures) >= 2 * len(modules)
    assert all(" vs " in line for line in figures)
    assert "TINY" in done.stdout and "Traceback" not in done.stderr
    # Decisions from several processes at once: both process counts on SQLite, and on
    # PostgreSQL too unless one line says why not (that the writes are all there and the
    # log verifies is checked inside the bench, which would have failed above).
    for processes in ("1 process", "2 processes"):
        assert f"SQLite decisions via the service, {processes}:" in done.stdout
        postgres = f"PostgreSQL decisions via the service, {processes}:"
        assert postgres in done.stdout or "no PostgreSQL figures" in done.stdout
