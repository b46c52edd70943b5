"""The ACLU replay with every search, lead and verdict written to the audit log, against
the same replay without recording, whole commands timed in turn. Target: under 2x.

Each recorded run writes to its own copy of an SQLite file (the embedded default) whose
schema is already at head, as it is after a user's first command: the figure is the cost
of recording, not the one-off creation of the schema.
"""

import os
import shutil
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

        template = base / "at-head.db"

        def environment(database: Path) -> dict[str, str]:
            env = dict(os.environ)
            env["LEADREVIEW_CONFIG"] = str(base / "absent.toml")
            env["LEADREVIEW_DATA_DIR"] = str(base / "data")
            env["LEADREVIEW_DATABASE_URL"] = f"sqlite:///{database}"
            return env

        subprocess.run(
            [sys.executable, "-m", "leadreview", "db", "upgrade"],
            check=True,
            capture_output=True,
            env=environment(template),
        )

        def fresh_copy() -> Path:
            database = base / f"run-{next(runs)}.db"
            shutil.copyfile(template, database)
            return database

        def plain() -> None:
            subprocess.run(REPLAY, check=True, capture_output=True, env=environment(fresh_copy()))

        def recorded() -> None:
            subprocess.run(
                [*REPLAY, "--record"],
                check=True,
                capture_output=True,
                env=environment(fresh_copy()),
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
