"""Fixed examples the harness found once it ran on PostgreSQL too: row ids past
PostgreSQL's 32-bit INTEGER, which SQLite accepted and PostgreSQL answered with a
DataError traceback ("integer out of range"). Each is now a usage error naming the
option, on both backends, with the range in `--help`; the log verifies afterwards."""

import pytest

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
