"""Checks on the files and folders a command is told to write, before any work.

An output's parent folder must already exist: a typo in `--output` must not leave a
tree of new folders behind (even at `/`), so a missing parent is refused in one line
naming it (exit 2). A folder output (an export, an after-action report) may itself be
created, as its `--help` says, but only inside a folder that exists. A file output's
format is chosen by, or must agree with, its suffix: `-o x.md` never holds HTML.
"""

from collections.abc import Callable
from pathlib import Path


def _refuse(message: str) -> Exception:
    import typer

    return typer.BadParameter(message)


def _check_parent(path: Path) -> None:
    parent = path.parent
    if not parent.exists():
        raise _refuse(f"{path}: the folder {parent} does not exist (create it first)")
    if not parent.is_dir():
        raise _refuse(f"{path}: {parent} is not a folder")


def output_file(*suffixes: str) -> Callable[[Path | None], Path | None]:
    """A typer callback for a file option: its folder exists, and, if `suffixes` are
    given, its suffix (any case) is one of them."""

    def check(value: Path | None) -> Path | None:
        if value is None:
            return None
        if suffixes and value.suffix.lower() not in suffixes:
            named = value.suffix or "no suffix"
            raise _refuse(
                f"{value}: {named} is not a format this writes; use {' or '.join(suffixes)}"
            )
        if value.is_dir():
            raise _refuse(f"{value}: is a folder; name a file")
        _check_parent(value)
        return value

    return check


def output_folder(value: Path | None) -> Path | None:
    """A typer callback for a folder option: the folder may be new, its parent may not;
    an existing file of that name is refused."""
    if value is None:
        return None
    if value.exists() and not value.is_dir():
        raise _refuse(f"{value}: is a file; name a folder")
    _check_parent(value)
    return value


def output_files(values: list[Path] | None) -> list[Path] | None:
    """A typer callback for a repeatable file option: each file's folder exists."""
    check = output_file()
    for value in values or []:
        check(value)
    return values
