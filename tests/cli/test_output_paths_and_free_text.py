"""QA findings on output files and free text, through the real CLI entry point: a file's
format follows its suffix (an unknown one is refused), a missing parent folder is
refused rather than created, and free text kept in the audit log holds no control
characters and has a stated length bound. Each refusal is one line, exit 2, nothing
written and nothing recorded."""

from pathlib import Path

import pytest

from leadreview.store.store import Store
from tests.support.cli import events, run


def _revealed_exercise(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "exercise", "start", "two-reviewers").code == 0
    assert run(capsys, "exercise", "join", "--role", "reviewer").code == 0
    assert run(capsys, "exercise", "assign").code == 0
    assert run(capsys, "exercise", "reveal", "--exercise", "1").code == 0


def test_the_debrief_s_format_follows_the_suffix(
    db: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _revealed_exercise(capsys)
    markdown, page = tmp_path / "debrief.md", tmp_path / "debrief.HTML"
    assert run(capsys, "exercise", "debrief", "-o", str(markdown)).code == 0
    assert run(capsys, "exercise", "debrief", "-o", str(page)).code == 0
    text = markdown.read_text(encoding="utf-8")
    assert text.startswith("# Exercise debrief — ")
    assert "## Ground truth" in text and "| case | offense |" in text
    assert "<" not in text.replace("<br>", "")  # no HTML tag in the Markdown
    assert page.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html>")

    unknown = tmp_path / "debrief.txt"
    refused = run(capsys, "exercise", "debrief", "-o", str(unknown))
    assert refused.code == 2
    line = refused.one_error_line()
    assert "debrief.txt" in line and ".md" in line and ".html" in line
    assert not unknown.exists()


@pytest.mark.parametrize("suffix", [".md", ".csv", ""])
def test_report_audit_writes_html_only_to_an_html_name(
    db: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    target = tmp_path / f"audit{suffix}"
    refused = run(capsys, "report", "audit", "--output", str(target))
    assert refused.code == 2
    assert str(target) in refused.one_error_line()
    assert not target.exists() and events(db, "report.generated") == []


def test_the_after_action_report_folder_is_not_a_file_name(
    db: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = tmp_path / "aar.md"
    existing.write_text("mine", encoding="utf-8")
    refused = run(capsys, "exercise", "aar", "-o", str(existing))
    assert refused.code == 2
    assert "is a file; name a folder" in refused.one_error_line()
    assert existing.read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize(
    "command",
    [
        ("report", "audit", "--output", "{missing}/x.html"),
        ("report", "compare", "-o", "{missing}/x.html"),
        ("exercise", "debrief", "-o", "{missing}/x.md"),
        ("exercise", "aar", "-o", "{missing}/aar"),
        ("exercise", "export", "-o", "{missing}/package"),
        ("audit", "export", "-o", "{missing}/export"),
        ("audit", "checkpoint", "-o", "{missing}/checkpoint.txt"),
        ("compare", "--format", "csv", "-o", "{missing}/x.csv"),
        ("sweep", "--chart", "{missing}/x.png"),
        ("probe", "render", "-o", "{missing}/x.png"),
        ("scenario", "new", "{missing}/x.yaml"),
        ("calibrate", "-o", "{missing}/model.yaml"),
    ],
    ids=lambda c: "-".join(c[:2]),
)
def test_an_output_in_a_missing_folder_is_refused_not_created(
    db: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: tuple[str, ...]
) -> None:
    missing = tmp_path / "no" / "such"
    before = len(events(db))
    result = run(capsys, *(part.format(missing=missing) for part in command))
    assert result.code == 2
    line = result.one_error_line()
    assert f"the folder {missing}" in line or f"the folder {missing}/package" in line
    assert "does not exist" in line
    assert not (tmp_path / "no").exists()
    assert len(events(db)) == before


def test_an_output_at_the_root_is_refused_not_created(
    db: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "report", "audit", "--output", "/nonexistent-hqa2/x.html")
    assert result.code == 2
    assert "the folder /nonexistent-hqa2 does not exist" in result.one_error_line()
    assert not Path("/nonexistent-hqa2").exists()


@pytest.mark.parametrize(
    ("command", "option"),
    [
        (("case", "open", "--image", "probe.png", "--offense", "theft\x1b[2J"), "--offense"),
        (("case", "open", "--image", "probe.png", "--offense", "theft\nforged"), "--offense"),
        (
            (
                "exercise",
                "decide",
                "1",
                "--decision",
                "not-a-match",
                "--rationale",
                "ears differ\rOK",
            ),
            "--rationale",
        ),
        (("exercise", "hotwash", "--question", "1", "--answer", "fine\x07"), "--answer"),
        (
            (
                "exercise",
                "improve",
                "--area",
                "a\x00",
                "--action",
                "b",
                "--owner",
                "c",
                "--due",
                "2027-01-01",
            ),
            "--area",
        ),
        (
            (
                "case",
                "enforce",
                "1",
                "--kind",
                "arrest",
                "--evidence",
                "witness=saw him\x1b]0;pwned\x07",
            ),
            "--evidence",
        ),
    ],
    ids=lambda c: c if isinstance(c, str) else "-".join(c[:2]),
)
def test_control_characters_in_free_text_are_refused(
    db: Store, capsys: pytest.CaptureFixture[str], command: tuple[str, ...], option: str
) -> None:
    before = len(events(db))
    result = run(capsys, *command)
    assert result.code == 2
    line = result.one_error_line()
    assert option in line and "control character" in line
    assert "\x1b" not in line and "\r" not in line and "\x07" not in line
    assert len(events(db)) == before


def test_free_text_is_bounded_as_help_says(db: Store, capsys: pytest.CaptureFixture[str]) -> None:
    helped = run(capsys, "case", "open", "--help")
    assert "at most 500 characters" in " ".join(helped.out.split())
    result = run(capsys, "case", "open", "--image", "x.png", "--offense", "t" * 501)
    assert result.code == 2
    assert "is 501 characters long; at most 500" in result.one_error_line()


def test_a_multi_line_rationale_keeps_its_newlines(
    db: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    # Newlines and tabs pass the check (the lead does not exist: the refusal is the
    # service's, not the text check's).
    result = run(capsys, "exercise", "decide", "999", "--decision", "not-a-match",
                 "--rationale", "ears differ\n\tand the chin")  # fmt: skip
    assert result.code != 0
    assert "control character" not in result.err
