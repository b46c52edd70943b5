"""The fuzzing harness's workspace: one data directory, config path and small scenario per
test module, shared by every generated case so that the audit chain grows across cases
and is verified after each one that may write.

`workspace` keeps its database in SQLite; `pg_workspace` keeps it in PostgreSQL, in a
fresh schema of `LEADREVIEW_TEST_POSTGRES_URL`'s database dropped after the module; and
`db_workspace` is each of the two in turn, for fixed examples that write.

`make fuzz` runs the same tests with thousands of cases (LEADREVIEW_FUZZ=1, see
`test_fuzz_cli.fuzz_settings`); the normal suite runs a few. The closing summary line says
how many CLI cases ran and how long they took.
"""

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import fresh_postgres_schema
from tests.fuzz.harness import TALLY, assert_well_behaved, run_main

# The gallery of the bundled scenarios is tens of thousands of faces; a case that opens a
# search builds this one instead, in milliseconds.
SMALL_SCENARIO = """\
name: fuzz-small
title: "A small world for the fuzzing harness"
sources: ["test fixture"]
seed: 7
gallery:
  size: 300
  group_mix: {white: 0.6, black: 0.2, asian: 0.2}
  female_share: 0.3
probes:
  count: 20
  quality: cctv
  mated_fraction: 0.5
  source: "fuzz"
use_case: investigation
max_faces: 5
policies: [wcso-practice, rekognition-default]
"""


@dataclass
class Workspace:
    root: Path
    env: dict[str, str]
    scenario: Path
    probe: Path
    database_url: str | None = None

    def file(self, name: str, data: bytes | str) -> Path:
        path = self.root / "inputs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)
        return path

    def verify_log(self) -> None:
        """No half-written record: the chain (and the rows it vouches for) verify."""
        outcome = run_main(["audit", "verify"], self.env)
        assert_well_behaved(outcome)
        assert outcome.code == 0, outcome.describe()


def make_workspace(root: Path, database_url: str | None = None) -> Workspace:
    root.mkdir(parents=True, exist_ok=True)
    env = {
        "LEADREVIEW_DATA_DIR": str(root / "data"),
        "LEADREVIEW_CONFIG": str(root / "absent-config.toml"),
        "LEADREVIEW_SIGNING_KEY_PATH": str(root / "keys" / "checkpoint.key"),
        "LEADREVIEW_KEYMAP_FILE": str(root / "absent-keymap.toml"),
        "LEADREVIEW_BACKEND": "simulated",
        "XDG_CONFIG_HOME": str(root / "xdg-config"),
        "AWS_CONFIG_FILE": str(root / "absent-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(root / "absent-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "COLUMNS": "120",
    }
    if database_url:
        env["LEADREVIEW_DATABASE_URL"] = database_url
    scenario = root / "fuzz-small.yaml"
    scenario.write_text(SMALL_SCENARIO, encoding="utf-8")
    probe = root / "probe.png"
    outcome = run_main(
        ["probe", "render", "--scenario", str(scenario), "--probe", "0", "-o", str(probe)], env
    )
    assert outcome.code == 0, outcome.describe()
    return Workspace(root=root, env=env, scenario=scenario, probe=probe, database_url=database_url)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return make_workspace(tmp_path_factory.mktemp("fuzz"))


@pytest.fixture(scope="module")
def pg_workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    with fresh_postgres_schema() as url:
        yield make_workspace(tmp_path_factory.mktemp("fuzz-postgresql"), database_url=url)


@pytest.fixture(
    scope="module",
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def db_workspace(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workspace]:
    """A workspace on each backend, for the cases that write to the database."""
    if request.param == "sqlite":
        yield make_workspace(tmp_path_factory.mktemp("fuzz-sqlite"))
        return
    with fresh_postgres_schema() as url:
        yield make_workspace(tmp_path_factory.mktemp("fuzz-postgresql"), database_url=url)


_started = time.monotonic()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TALLY.cases:
        terminalreporter.write_line(
            f"fuzz: {TALLY.cases} CLI cases in-process, {TALLY.seconds:.0f} s in main() "
            f"({time.monotonic() - _started:.0f} s in all)"
        )
