"""Names typed on the command line that no actor can have (empty, past 120 characters,
with a quote): an invitee and an endpoint key's holder ended in pydantic's multi-line
ValidationError. Now one line naming the argument and what was typed (checked by the
`person_name` callback before any work), and nothing recorded."""

import pytest

from tests.fuzz.conftest import Workspace
from tests.fuzz.harness import assert_refused, run_main

BAD_NAMES = {
    "empty": ("", "a visible character"),
    "too-long": ("x" * 121, "at most 120 characters"),
    "quote": ('a"b', "no quotes"),
}


@pytest.fixture(scope="module")
def running_exercise(db_workspace: Workspace) -> Workspace:
    outcome = run_main(["exercise", "start", "missing-person"], db_workspace.env)
    assert outcome.code == 0, outcome.describe()
    return db_workspace


@pytest.mark.parametrize("case", list(BAD_NAMES))
def test_an_invitee_no_actor_can_be_is_one_line(running_exercise: Workspace, case: str) -> None:
    name, needle = BAD_NAMES[case]
    before = run_main(["audit", "show", "--json", "--limit", "100000"], running_exercise.env)
    argv = ["exercise", "invite", name, "--role", "reviewer"]
    assert_refused(run_main(argv, running_exercise.env), "'name'", needle)
    after = run_main(["audit", "show", "--json", "--limit", "100000"], running_exercise.env)
    assert after.stdout == before.stdout  # no invite issued, nothing recorded
    running_exercise.verify_log()


@pytest.mark.parametrize("case", list(BAD_NAMES))
def test_a_key_holder_no_actor_can_be_is_one_line(workspace: Workspace, case: str) -> None:
    name, needle = BAD_NAMES[case]
    outcome = run_main(["rekognition", "keys", "add", name], workspace.env)
    assert_refused(outcome, "'principal'", needle)
    listed = run_main(["rekognition", "keys", "list"], workspace.env)
    assert listed.code == 0 and name not in listed.stdout.split()
