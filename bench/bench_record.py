"""The ACLU replay with every search, lead and verdict written to the audit log, against
the same replay without recording, whole commands timed in turn. Target: under 2x.

Each recorded run writes to a fresh SQLite file (the embedded default), so the figure
includes creating the schema, as a first run on a new machine would.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import BenchResult, paired_median_seconds

REPLAY = [sys.executable, "-m", "leadreview", "replay", "aclu-2018", "--json"]


def run() -> list[BenchResult]:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        runs = iter(range(1_000))

        def environment() -> dict[str, str]:
            n = next(runs)
            env = dict(os.environ)
            env["LEADREVIEW_CONFIG"] = str(base / "absent.toml")
            env["LEADREVIEW_DATA_DIR"] = str(base / f"data-{n}")
            env["LEADREVIEW_DATABASE_URL"] = f"sqlite:///{base / f'run-{n}.db'}"
            return env

        def plain() -> None:
            subprocess.run(REPLAY, check=True, capture_output=True, env=environment())

        def recorded() -> None:
            subprocess.run(
                [*REPLAY, "--record"], check=True, capture_output=True, env=environment()
            )

        with_record, without = paired_median_seconds(recorded, plain, repeats=5)
    return [
        BenchResult(
            name="replay aclu-2018 --record (535 searches, 5,350 leads, 21,400 verdicts)",
            value=with_record,
            unit="s",
            baseline_name="the same replay without --record",
            baseline=without,
            target="ratio < 2.0",
            passed=with_record < 2 * without,
        )
    ]
