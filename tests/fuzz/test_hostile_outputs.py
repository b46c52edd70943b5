"""Output paths that are not regular files. Every file is written aside and renamed over
its target, and a rename replaces whatever the name is: run as root (as in a container),
`report audit -o /dev/full` replaced the device with the report. A FIFO, a device node, a
symbolic link or a directory given as an output is now refused in one line, and left as
it was. The device here is a private node in the test's folder, never a real /dev one."""

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fuzz.conftest import Workspace
from tests.fuzz.harness import assert_refused, run_main


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _device(path: Path) -> None:
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 7))  # what /dev/full is
    except PermissionError:
        pytest.skip("making a device node needs root")


def _symlink_loop(path: Path) -> None:
    os.symlink(path, path)


def _directory(path: Path) -> None:
    path.mkdir()


MAKERS: dict[str, Callable[[Path], None]] = {
    "fifo": _fifo,
    "device": _device,
    "symlink-loop": _symlink_loop,
    "directory": _directory,
}


def _commands(workspace: Workspace, target: Path) -> list[list[str]]:
    return [
        ["report", "audit", "-o", str(target)],
        ["scenario", "new", str(target), "--force"],
        ["audit", "checkpoint", "-o", str(target)],
        ["probe", "render", "-o", str(target), "--scenario", str(workspace.scenario)],
    ]


@pytest.mark.parametrize("kind", list(MAKERS))
@pytest.mark.parametrize("command", range(4), ids=["report", "scenario", "checkpoint", "probe"])
def test_an_output_that_is_not_a_regular_file_is_refused_and_left_alone(
    workspace: Workspace, tmp_path: Path, kind: str, command: int
) -> None:
    target = tmp_path / f"{kind}-output.png"
    MAKERS[kind](target)
    before = target.lstat()
    argv = _commands(workspace, target)[command]
    line = assert_refused(run_main(argv, workspace.env, cwd=tmp_path), str(target))
    after = target.lstat()
    assert stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode), line
    assert (after.st_ino, after.st_dev) == (before.st_ino, before.st_dev), line
    workspace.verify_log()


def test_a_regular_output_is_still_replaced(workspace: Workspace, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")
    outcome = run_main(["report", "audit", "-o", str(target)], workspace.env)
    assert outcome.code == 0, outcome.describe()
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
