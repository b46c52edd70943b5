"""User errors end in one clear line and a non-zero exit, never a traceback."""

from pathlib import Path

import pytest

from tests.support.cli import assert_one_line_error, run_cli


def test_help_works() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "policy" in result.stdout


def test_unknown_command_is_one_line() -> None:
    assert_one_line_error(run_cli("no-such-command"), "no-such-command")


def test_unknown_policy_name_is_one_line() -> None:
    assert_one_line_error(run_cli("policy", "show", "no-such-policy"), "no-such-policy")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (
            "name: x\ntitle: t\nsources: [s]\nallowed_use_cases: [investigation]\n"
            "min_similarity: -1\n",
            "line 5: field 'min_similarity'",
        ),
        ("name: x\n  bad: [indent\n", "line"),
        ("\xff\xfe", "not UTF-8"),
    ],
)
def test_malformed_policy_file_is_one_line(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(text.encode("latin-1"))
    assert_one_line_error(run_cli("policy", "validate", str(path)), str(path), needle)


def test_options_without_a_command_go_to_the_review_app() -> None:
    # The app's own option parsing answers, so a bad role is refused by `tui`, in one line.
    result = run_cli("--role", "no-such-role")
    assert_one_line_error(result, "--role")
