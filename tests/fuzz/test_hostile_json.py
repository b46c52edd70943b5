"""Fixed hostile examples for JSON, JSONL and the served session's idle timeout.

An export whose line never ends (a sparse file of zeros, gigabytes long) must be refused
at the line's bound, naming the file and the line, instead of being read whole; saved
responses too deep or with absurd numbers are skipped by name; the idle timeout's range
is stated in `--help` and enforced for the option and the setting alike.
"""

import json
import shutil
from pathlib import Path

import pytest

from leadreview.io.limits import MAX_JSONL_LINE_BYTES
from tests.fuzz.conftest import Workspace
from tests.fuzz.harness import assert_refused, assert_well_behaved, run_main

# Far past the line bound, and more than a test should ever hold in memory: a reader that
# read the line whole would need this much (the file is sparse: it costs no disk).
ENDLESS_LINE_BYTES = 2 * 1024**3


@pytest.fixture(scope="module")
def small_export(workspace: Workspace) -> tuple[Path, str]:
    """A real export of a log with a case in it, and the key that verifies it."""
    opened = run_main(
        ["case", "open", "--image", str(workspace.probe), "--offense", "seed", "--scenario",
         str(workspace.scenario)],
        workspace.env,
    )  # fmt: skip
    assert opened.code == 0, opened.describe()
    assert run_main(["audit", "checkpoint"], workspace.env).code == 0
    directory = workspace.root / "json-export"
    outcome = run_main(["audit", "export", "-o", str(directory)], workspace.env)
    assert outcome.code == 0, outcome.describe()
    key = run_main(["audit", "key"], workspace.env).stdout.strip()
    return directory, key


def _copy_with_endless_line(export: Path, target: Path, name: str) -> tuple[Path, int]:
    """The export copied to `target`, its events file renamed `name`, then extended with a
    line of zeros that never ends; returns the file and that line's number."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(export, target)
    events = target / "events.jsonl"
    lines = events.read_bytes().count(b"\n")
    if name == "events.csv":
        events.unlink()
        events = target / name
        events.write_text("seq,time\n", encoding="utf-8")
        lines = 1
    with events.open("r+b") as handle:
        handle.truncate(events.stat().st_size + ENDLESS_LINE_BYTES)
    return events, lines + 1


@pytest.mark.parametrize("name", ["events.jsonl", "events.csv"])
def test_an_endless_export_line_is_refused_at_the_bound(
    workspace: Workspace, small_export: tuple[Path, str], name: str
) -> None:
    export, key = small_export
    events, number = _copy_with_endless_line(export, workspace.root / "endless", name)
    argv = ["audit", "verify", "--from", str(events.parent), "--key", key]
    line = assert_refused(run_main(argv, workspace.env), str(events), f"line {number}", "longer")
    assert f"{MAX_JSONL_LINE_BYTES // (1024 * 1024)}.0 MiB" in line


def test_an_export_line_nested_too_deep_is_a_break_not_a_crash(
    workspace: Workspace, small_export: tuple[Path, str]
) -> None:
    export, key = small_export
    broken = workspace.root / "deep-export"
    shutil.rmtree(broken, ignore_errors=True)
    shutil.copytree(export, broken)
    events = broken / "events.jsonl"
    number = events.read_bytes().count(b"\n") + 1
    with events.open("a", encoding="utf-8") as handle:
        handle.write("[" * 100_000 + "]" * 100_000 + "\n")
    outcome = run_main(["audit", "verify", "--from", str(broken), "--key", key], workspace.env)
    assert_well_behaved(outcome)
    assert outcome.code == 1, outcome.describe()
    assert f"seq {number}: malformed: sequence number 'line {number}'" in outcome.stdout, (
        outcome.describe()
    )


@pytest.mark.parametrize(
    ("hostile", "needle"),
    [
        ('{"FaceMatches": ' + "[" * 50_000 + "]" * 50_000 + "}", "nested more than 64"),
        ('{"FaceMatches": [], "x": ' + "7" * 200 + "}", "a number of 200 digits"),
        ('{"FaceMatches": [], "x": Infinity}', "Infinity is not JSON"),
    ],
    ids=["deep", "long-integer", "infinity"],
)
def test_a_hostile_saved_response_is_skipped_by_name(
    workspace: Workspace, tmp_path: Path, hostile: str, needle: str
) -> None:
    from leadreview.paths import fixtures_dir

    source = fixtures_dir() / "responses"
    folder = tmp_path / "responses"
    folder.mkdir()
    name = "wcso-18-0112.json"
    (folder / name).write_text(hostile, encoding="utf-8")
    (folder / "manifest.yaml").write_bytes((source / "manifest.yaml").read_bytes())
    outcome = run_main(["audit", "import-responses", str(folder)], workspace.env)
    assert_well_behaved(outcome)
    assert outcome.code == 1, outcome.describe()
    assert name in outcome.error_lines[0], outcome.describe()
    # The table on stdout says why each file was skipped.
    assert needle in " ".join(outcome.stdout.split()), outcome.stdout
    workspace.verify_log()


# --- the served session's idle timeout ------------------------------------------------------


def test_the_idle_timeout_range_is_stated_in_help(workspace: Workspace) -> None:
    outcome = run_main(["serve", "--help"], workspace.env)
    assert outcome.code == 0, outcome.describe()
    text = " ".join(outcome.stdout.split())
    assert "--idle-timeout" in text and "5<=x<=86400" in text, text


@pytest.mark.parametrize("value", ["4", "86401", "-1", "1e3", str(10**20)])
def test_an_idle_timeout_out_of_range_is_a_usage_error(workspace: Workspace, value: str) -> None:
    outcome = run_main(["serve", "--idle-timeout", value, "--port", "1"], workspace.env)
    assert_refused(outcome, "--idle-timeout")


@pytest.mark.parametrize("value", ["0", "86401", "soon"])
def test_an_idle_timeout_setting_out_of_range_is_one_line(workspace: Workspace, value: str) -> None:
    env = {**workspace.env, "LEADREVIEW_SERVE_IDLE_SECONDS": value}
    assert_refused(run_main(["case", "list"], env), "serve_idle_seconds")


def test_the_idle_bounds_of_the_cli_match_the_settings() -> None:
    from leadreview import settings
    from leadreview.cli import bounds

    assert (bounds.MIN_IDLE_SECONDS, bounds.MAX_IDLE_SECONDS) == (
        settings.MIN_IDLE_SECONDS,
        settings.MAX_IDLE_SECONDS,
    )
    field = settings.Settings.model_fields["serve_idle_seconds"]
    limits = {type(m).__name__: m for m in field.metadata}
    assert limits["Ge"].ge == settings.MIN_IDLE_SECONDS
    assert limits["Le"].le == settings.MAX_IDLE_SECONDS


def test_a_saved_response_still_imports(workspace: Workspace, tmp_path: Path) -> None:
    """The bounded parser still accepts the real thing (a guard that refused everything
    would pass the tests above)."""
    from leadreview.paths import fixtures_dir

    source = fixtures_dir() / "responses"
    folder = tmp_path / "responses"
    shutil.copytree(source, folder)
    outcome = run_main(["audit", "import-responses", str(folder)], workspace.env)
    assert_well_behaved(outcome)
    assert outcome.code == 0, outcome.describe()
    workspace.verify_log()


@pytest.mark.parametrize("column", ["format", "seq", "actor", "digest"])
@pytest.mark.parametrize("value", [[None], {"a": 1}])
def test_an_export_column_holding_a_list_or_object_is_a_break(
    workspace: Workspace, small_export: tuple[Path, str], column: str, value: object
) -> None:
    """Found by `make fuzz`: `"format": [null]` in an exported event escaped `audit verify
    --from` as "TypeError: unhashable type: 'list'"."""
    export, key = small_export
    broken = workspace.root / "column-export"
    shutil.rmtree(broken, ignore_errors=True)
    shutil.copytree(export, broken)
    events = broken / "events.jsonl"
    lines = events.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first[column] = value
    lines[0] = json.dumps(first)
    events.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outcome = run_main(["audit", "verify", "--from", str(broken), "--key", key], workspace.env)
    assert_well_behaved(outcome)
    assert outcome.code == 1, outcome.describe()
    assert "seq 1: malformed: sequence number 'line 1'" in outcome.stdout, outcome.describe()


def test_a_big_replay_into_a_log_says_its_estimate_in_one_line(workspace: Workspace) -> None:
    """Found by `make fuzz`: a million-face replay with stderr not a terminal printed the
    estimate wrapped at 80 columns and the progress bar's last frame: three lines of
    stderr from a command that succeeded. A log gets the estimate, whole, and no bar.
    (200,001 faces: just past where the bar starts, a fifth of the found case's work.)"""
    argv = ["replay", "--seed", "0", "--gallery-size", "200001", "--probes", "5", "--json"]
    outcome = run_main(argv, workspace.env)
    assert_well_behaved(outcome)
    assert outcome.code == 0, outcome.describe()
    (line,) = outcome.error_lines
    assert line.startswith("gallery of 200,001 faces:") and line.endswith("in memory"), line
