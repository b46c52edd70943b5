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

from bench import BenchResult, paired_timings, timed_result, tiny

_REPLAY = [sys.executable, "-m", "leadreview", "replay", "aclu-2018", "--json"]
# Every run gives up after this long rather than hang the bench.
_LIMIT_S = 600


def run() -> list[BenchResult]:
    replay = [*_REPLAY, "--gallery-size", "2000", "--probes", "20"] if tiny() else _REPLAY
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
            timeout=_LIMIT_S,
        )

        def fresh_copy() -> Path:
            database = base / f"run-{next(runs)}.db"
            shutil.copyfile(template, database)
            return database

        def plain() -> None:
            subprocess.run(
                replay, check=True, capture_output=True, env=environment(fresh_copy()),
                timeout=_LIMIT_S,
            )  # fmt: skip

        def recorded() -> None:
            subprocess.run(
                [*replay, "--record"],
                timeout=_LIMIT_S,
                check=True,
                capture_output=True,
                env=environment(fresh_copy()),
            )

        with_record, without = paired_timings(recorded, plain, repeats=5)
    result = timed_result(
        "replay aclu-2018 --record (535 searches, 5,350 leads, 21,400 verdicts)",
        with_record, "the same replay without --record", without,
        target="ratio < 2.0", passed=lambda a, b: a < 2 * b, unit="s", scale=1.0,
    )  # fmt: skip
    return [result]
