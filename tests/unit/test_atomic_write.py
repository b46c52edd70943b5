"""Writing a file whole or not at all, and only after it is on record."""

from pathlib import Path

import pytest

from leadreview.errors import InputFileError
from leadreview.io.atomic import replacing, write_atomically, write_on_record


def test_a_write_replaces_the_file_whole_and_leaves_nothing_beside_it(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "out.csv"
    write_atomically(target, "first")
    write_atomically(target, "second, longer")
    assert target.read_text() == "second, longer"
    assert [p.name for p in target.parent.iterdir()] == ["out.csv"]


def test_a_failure_while_filling_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "model.yaml"
    target.write_text("old")
    with pytest.raises(RuntimeError), replacing(target) as partial:
        partial.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.yaml"]


def test_an_unwritable_place_is_one_error_naming_the_file(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(InputFileError) as caught:
        write_atomically(blocker / "out.csv", "x", "score model")
    assert str(caught.value).startswith(f"{blocker / 'out.csv'}: cannot write score model (")


def test_the_file_appears_only_after_its_digest_is_on_record(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    seen: list[tuple[str, bool]] = []

    def record(digest: str) -> str:
        seen.append((digest, target.exists()))
        return "event-1"

    assert write_on_record(target, b"<html>", record) == "event-1"
    digest = "b7d082ee12e91b756ea22e8513b8594eebcf5d39fab813da3cb55794dc888ad7"  # of b"<html>"
    assert seen == [(digest, False)]
    assert target.read_bytes() == b"<html>"


def test_a_failed_recording_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "report.html"

    def refuse(_digest: str) -> str:
        raise PermissionError("not an auditor")

    with pytest.raises(PermissionError):
        write_on_record(target, b"<html>", refuse)
    assert list(tmp_path.iterdir()) == []
