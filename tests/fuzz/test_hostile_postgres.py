"""Fixed examples found once the harness ran on PostgreSQL too, each run on both backends:

- row ids past PostgreSQL's 32-bit INTEGER, which SQLite accepted and PostgreSQL answered
  with a DataError traceback ("integer out of range"): now a usage error naming the
  option, with the range in `--help`;
- a NUL character in a YAML file (the `\\0` escape), which SQLite stored and PostgreSQL
  refused with a DataError traceback ("text fields cannot contain NUL"): now refused
  where the file is read, naming the file and line.

The log verifies afterwards."""

from pathlib import Path

import pytest

from leadreview.paths import fixtures_dir
from tests.fuzz.conftest import Workspace
from tests.fuzz.harness import assert_refused, run_main

PAST_INTEGER = str(2**31)  # one past PostgreSQL INTEGER's largest value


@pytest.mark.parametrize(
    "argv",
    [
        ["case", "show", PAST_INTEGER],
        ["audit", "show", "--case", PAST_INTEGER],
        ["case", "enforce", PAST_INTEGER, "--kind", "arrest", "--evidence", "photo=x"],
        ["exercise", "status", "--exercise", PAST_INTEGER],
        ["exercise", "close", "--exercise", PAST_INTEGER],
        ["exercise", "pause", "--exercise", PAST_INTEGER],
        ["exercise", "reveal", "--exercise", PAST_INTEGER],
        ["exercise", "extend", "--minutes", "5", "--exercise", PAST_INTEGER],
        ["exercise", "hotwash", "--question", "1", "--answer", "a", "--exercise", PAST_INTEGER],
        ["exercise", "decide", PAST_INTEGER, "--decision", "not-a-match", "--rationale", "r"],
        ["exercise", "revoke-invite", PAST_INTEGER, "--exercise", "1"],
    ],
    ids=lambda argv: "-".join(a for a in argv[:3] if not a.isdigit()),
)
def test_a_row_id_past_postgresql_integer_is_a_usage_error(
    db_workspace: Workspace, argv: list[str]
) -> None:
    assert_refused(run_main(argv, db_workspace.env), "2147483647")
    db_workspace.verify_log()


def test_the_largest_row_id_is_looked_up_not_refused(db_workspace: Workspace) -> None:
    """The bound is the column's own: 2**31 - 1 is a valid id that matches no case."""
    assert_refused(run_main(["case", "show", str(2**31 - 1)], db_workspace.env), "2147483647")


def test_quorum_without_witness_keys_is_refused(db_workspace: Workspace) -> None:
    """`--quorum` alone was ignored: `audit verify --quorum 3` passed with no witness."""
    outcome = run_main(["audit", "verify", "--quorum", "3"], db_workspace.env)
    assert_refused(outcome, "--quorum", "--witness-key")


@pytest.mark.parametrize("command", [["exercise", "start"], ["scenario", "validate", "--quick"]])
def test_a_nul_character_in_a_scenario_is_refused_naming_the_line(
    db_workspace: Workspace, tmp_path: Path, command: list[str]
) -> None:
    source = fixtures_dir() / "scenarios" / "exercises" / "missing-person.yaml"
    lines = source.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines, start=1) if line.startswith("title:"))
    lines[number - 1] = 'title: "Missing\\0persons"'
    hostile = tmp_path / "nul.yaml"
    hostile.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outcome = run_main([*command, str(hostile)], db_workspace.env)
    assert_refused(outcome, str(hostile), f"line {number}", "NUL")
    db_workspace.verify_log()
