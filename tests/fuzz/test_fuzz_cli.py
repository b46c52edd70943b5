"""The fuzzing harness: generated hostile input through the real CLI entry point.

One `main()` call per case, in-process (see harness.py). Each test checks the contract
(documented exit code, at most one line on stderr, no traceback, no RuntimeWarning) and,
where the command may write, that the audit log still verifies afterwards.

The normal suite runs a few examples per test; `make fuzz` (LEADREVIEW_FUZZ=1) runs
`FUZZ_EXAMPLES` per test, a few thousand cases in all, and prints how many and how long.
"""

import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from leadreview.paths import bundled_policies_dir, fixtures_dir
from tests.fuzz import strategies as hs
from tests.fuzz.conftest import SMALL_SCENARIO, Workspace
from tests.fuzz.harness import assert_well_behaved, run_main
from tests.fuzz.images import probe_dims, with_descriptor_text, with_embedding

FUZZING = os.environ.get("LEADREVIEW_FUZZ") == "1"


def fuzz_settings(fuzz: int) -> settings:
    """`fuzz` examples under make fuzz, a twentieth (at least 8) in the normal suite; no
    per-example deadline (a case's own limit is the harness's alarm)."""
    return settings(
        max_examples=fuzz if FUZZING else max(8, fuzz // 20),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# The database-writing cases again on PostgreSQL, fewer: each case there (and the
# `audit verify` after it) costs about four times one on SQLite, and `make fuzz` stays
# within about four minutes on two cores.
ON_POSTGRESQL = {"images": 20, "responses": 20, "command lines": 100}


def _policy_base() -> dict[str, Any]:
    path = bundled_policies_dir() / "rekognition-default.yaml"
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _exercise_base() -> dict[str, Any]:
    path = fixtures_dir() / "scenarios" / "exercises" / "missing-person.yaml"
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@fuzz_settings(200)
@given(data=hs.yaml_document(_policy_base()))
def test_policy_files(workspace: Workspace, data: bytes) -> None:
    path = workspace.file("policy.yaml", data)
    outcome = run_main(["policy", "validate", str(path)], workspace.env)
    assert_well_behaved(outcome, frozenset({0, 2}))


@fuzz_settings(150)
@given(data=hs.yaml_document(_exercise_base()))
def test_exercise_scenario_files(workspace: Workspace, data: bytes) -> None:
    path = workspace.file("exercise.yaml", data)
    outcome = run_main(["scenario", "validate", "--quick", str(path)], workspace.env)
    assert_well_behaved(outcome, frozenset({0, 2}))


@fuzz_settings(100)
@given(data=hs.yaml_document(yaml.safe_load(SMALL_SCENARIO)))
def test_batch_scenario_files(workspace: Workspace, data: bytes) -> None:
    # The overrides keep a valid mutant small: the harness tests parsing, not scale.
    path = workspace.file("batch.yaml", data)
    argv = ["replay", str(path), "--gallery-size", "200", "--probes", "10", "--json"]
    assert_well_behaved(run_main(argv, workspace.env), frozenset({0, 2}))


@fuzz_settings(200)
@given(data=hs.config_toml())
def test_config_files(workspace: Workspace, data: bytes) -> None:
    path = workspace.file("config.toml", data)
    env = {**workspace.env, "LEADREVIEW_CONFIG": str(path)}
    # `audit key` reads the settings and the signing key, and writes nothing to a database
    # a hostile config could point anywhere.
    assert_well_behaved(run_main(["audit", "key"], env), frozenset({0, 2}))


@fuzz_settings(60)
@given(data=st.data())
def test_images_and_descriptors(workspace: Workspace, data: st.DataObject) -> None:
    _image_case(workspace, data)


@pytest.mark.postgres
@fuzz_settings(ON_POSTGRESQL["images"])
@given(data=st.data())
def test_images_and_descriptors_on_postgresql(pg_workspace: Workspace, data: st.DataObject) -> None:
    _image_case(pg_workspace, data)


def _image_case(db_workspace: Workspace, data: st.DataObject) -> None:
    probe = db_workspace.probe.read_bytes()
    kind, payload = data.draw(hs.image_bytes(probe, probe_dims(db_workspace.probe)))
    if isinstance(payload, np.ndarray):
        if not np.all(np.isfinite(payload)) or not np.any(payload):
            return  # not encodable by the real encoder; hand-made descriptors cover these
        payload = with_embedding(db_workspace.probe, payload)
    elif isinstance(payload, str):
        payload = with_descriptor_text(db_workspace.probe, payload)
    image = db_workspace.file(f"image-{kind}.png", payload)
    argv = ["case", "open", "--image", str(image), "--offense", "fuzz"]
    outcome = run_main([*argv, "--scenario", str(db_workspace.scenario)], db_workspace.env)
    assert_well_behaved(outcome, frozenset({0, 2}))
    db_workspace.verify_log()


@pytest.fixture(scope="module")
def export_dir(workspace: Workspace) -> Path:
    """A real export of a log with a few events in it, to break."""
    for _ in range(2):
        opened = run_main(
            ["case", "open", "--image", str(workspace.probe), "--offense", "seed", "--scenario",
             str(workspace.scenario)],
            workspace.env,
        )  # fmt: skip
        assert opened.code == 0, opened.describe()
    run_main(["audit", "checkpoint"], workspace.env)
    directory = workspace.root / "export"
    outcome = run_main(["audit", "export", "-o", str(directory)], workspace.env)
    assert outcome.code == 0, outcome.describe()
    return directory


@fuzz_settings(150)
@given(data=st.data())
def test_exports(workspace: Workspace, export_dir: Path, data: st.DataObject) -> None:
    events = next(export_dir.glob("*.jsonl"))
    lines = events.read_text(encoding="utf-8").splitlines()
    broken = workspace.root / "broken-export"
    shutil.rmtree(broken, ignore_errors=True)
    shutil.copytree(export_dir, broken)
    (broken / events.name).write_text(
        "\n".join(data.draw(hs.export_lines(lines))) + "\n",
        encoding="utf-8",
        errors="surrogatepass",
    )
    key = run_main(["audit", "key"], workspace.env).stdout.strip()
    outcome = run_main(["audit", "verify", "--from", str(broken), "--key", key], workspace.env)
    assert_well_behaved(outcome, frozenset({0, 1, 2}))


def _responses_base() -> tuple[dict[str, Any], Path]:
    folder = fixtures_dir() / "responses"
    first = sorted(folder.glob("wcso-*.json"))[0]
    if first.name.endswith(".meta.json"):
        first = sorted(p for p in folder.glob("wcso-*.json") if ".meta." not in p.name)[0]
    loaded = json.loads(first.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded, first


@fuzz_settings(80)
@given(data=st.data())
def test_saved_responses(workspace: Workspace, data: st.DataObject) -> None:
    _saved_response_case(workspace, data)


@pytest.mark.postgres
@fuzz_settings(ON_POSTGRESQL["responses"])
@given(data=st.data())
def test_saved_responses_on_postgresql(pg_workspace: Workspace, data: st.DataObject) -> None:
    _saved_response_case(pg_workspace, data)


def _saved_response_case(db_workspace: Workspace, data: st.DataObject) -> None:
    base, original = _responses_base()
    folder = db_workspace.root / "responses"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    (folder / original.name).write_text(data.draw(hs.response_json(base)), encoding="utf-8")
    manifest = (fixtures_dir() / "responses" / "manifest.yaml").read_text(encoding="utf-8")
    if data.draw(st.booleans()):
        manifest = data.draw(hs.structural_yaml())
    (folder / "manifest.yaml").write_text(manifest, encoding="utf-8", errors="surrogatepass")
    outcome = run_main(["audit", "import-responses", str(folder)], db_workspace.env)
    # Exit 1: some files were skipped (named in the one line), the rest imported.
    assert_well_behaved(outcome)
    db_workspace.verify_log()


# Commands the harness never generates: they serve, wait for a person, or run for minutes
# (`rekognition serve` has its own tests; its keys and seeding need a served endpoint).
NOT_GENERATED = {"tui", "serve", "calibrate", "report", "rekognition"}
# Commands that may write to the database (others only read it, or touch no database).
WRITERS = {"case", "exercise", "audit", "db"}


@fuzz_settings(250)
@given(data=st.data())
def test_command_lines(workspace: Workspace, data: st.DataObject) -> None:
    _command_line_case(workspace, data)


@pytest.mark.postgres
@fuzz_settings(ON_POSTGRESQL["command lines"])
@given(data=st.data())
def test_command_lines_on_postgresql(pg_workspace: Workspace, data: st.DataObject) -> None:
    _command_line_case(pg_workspace, data)


def _command_line_case(db_workspace: Workspace, data: st.DataObject) -> None:
    scratch = db_workspace.root / "scratch"
    scratch.mkdir(exist_ok=True)
    fifo = scratch / "fifo"
    if not fifo.exists():
        os.mkfifo(fifo)
    paths = [
        "/dev/zero", str(fifo), str(scratch), str(scratch / "missing.yaml"),
        str(scratch / "out.png"), str(db_workspace.scenario), str(scratch / ("x" * 50)),
    ]  # fmt: skip
    argv = data.draw(hs.command_line(paths))
    # Bare options, or a command word the generator happened to spell, would open the
    # review app (which waits for a person) or a server.
    assume(argv and not argv[0].startswith("-") and argv[0] not in NOT_GENERATED)
    # Every case on PostgreSQL is verified (its checks differ from SQLite's: 32-bit ids,
    # no NUL in text, real locks); on SQLite, the writers'.
    outcome = run_main(argv, db_workspace.env, cwd=scratch)
    assert_well_behaved(outcome)
    if argv[0] in WRITERS or db_workspace.database_url:
        db_workspace.verify_log()
