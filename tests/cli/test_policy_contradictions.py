"""Policies whose fields contradict each other, or carry the wrong type, are refused.

Each case ends in one line naming the file, the line and the field, and the CLI's
numeric options refuse values outside their range instead of quietly clamping them.
"""

from pathlib import Path

import pytest

from leadreview.errors import InputFileError
from leadreview.policy.loader import bundled_policy_paths, load_policy_file
from tests.support.cli import assert_one_line_error, run_cli

HEAD = "name: x\ntitle: t\nsources: [s]\nallowed_use_cases: [investigation]\n"


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        (
            "human_review_required: false\nreviewers_required: 2\n",
            "line 6: field 'reviewers_required'",
        ),
        ("min_similarity: true\n", "line 5: field 'min_similarity'"),
        ("min_similarity: false\n", "line 5: field 'min_similarity'"),
        ("min_similarity: '80'\n", "line 5: field 'min_similarity'"),
        ("max_candidates: true\n", "line 5: field 'max_candidates'"),
        ("max_candidates: 5.5\n", "line 5: field 'max_candidates'"),
        ("reviewers_required: true\n", "line 5: field 'reviewers_required'"),
        ("human_review_required: 1\n", "line 5: field 'human_review_required'"),
        ("human_review_required: 'no'\n", "line 5: field 'human_review_required'"),
        ("enforcement_requires_corroboration: 0\n", "field 'enforcement_requires_corroboration'"),
        ("use_case_min_similarity: {investigation: true}\n", "investigation"),
    ],
)
def test_contradictions_and_wrong_types_are_refused(
    tmp_path: Path, tail: str, expected: str
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(HEAD + tail, encoding="utf-8")
    with pytest.raises(InputFileError) as caught:
        load_policy_file(path)
    message = str(caught.value)
    assert str(path) in message and expected in message
    assert "\n" not in message


def test_repeated_use_case_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "name: x\ntitle: t\nsources: [s]\nallowed_use_cases: [investigation, investigation]\n",
        encoding="utf-8",
    )
    with pytest.raises(InputFileError, match="listed twice: investigation"):
        load_policy_file(path)


@pytest.mark.parametrize(
    "tail",
    [
        "min_similarity: 99\n",  # an integer is a number
        "min_similarity: 93.5\nmax_candidates: 5\n",
        "human_review_required: false\nreviewers_required: 1\n",
        "human_review_required: true\nreviewers_required: 2\n",
    ],
)
def test_consistent_policies_still_load(tmp_path: Path, tail: str) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(HEAD + tail, encoding="utf-8")
    assert load_policy_file(path).policy.name == "x"


def test_every_bundled_policy_is_consistent() -> None:
    for path in bundled_policy_paths():
        load_policy_file(path)


def test_policy_contradiction_is_one_line_from_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(HEAD + "human_review_required: false\nreviewers_required: 2\n")
    assert_one_line_error(run_cli("policy", "show", str(path)), "reviewers_required")


@pytest.mark.parametrize("value", ["0", "-5", "-3", "5000"])
def test_sweep_max_candidates_out_of_range_is_one_line(value: str) -> None:
    result = run_cli("sweep", "--probes", "5", "--gallery-size", "50", f"--max-candidates={value}")
    assert_one_line_error(result, "--max-candidates")


@pytest.mark.parametrize("value", ["0", "-5", "5000"])
def test_report_sweep_max_candidates_out_of_range_is_one_line(value: str, tmp_path: Path) -> None:
    result = run_cli("report", "sweep", "-o", str(tmp_path / "r.html"), f"--max-candidates={value}")
    assert_one_line_error(result, "--max-candidates")
    assert not (tmp_path / "r.html").exists()
