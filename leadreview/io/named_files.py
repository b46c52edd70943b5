"""Files named by the user either as a path or as the name of one the project ships
(`aclu-2018`, `blurry-cctv`): one rule for batch scenarios and exercise scenarios."""

from collections.abc import Iterable
from pathlib import Path

from leadreview.errors import InputFileError


def shipped_files(folder: Path, suffixes: Iterable[str]) -> list[Path]:
    """The files in `folder` with one of `suffixes`, by name; none if it is absent."""
    wanted = frozenset(suffixes)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in wanted)


def resolve_named(ref: str | Path, folder: Path, suffixes: tuple[str, ...], what: str) -> Path:
    """`ref` as a path (a Path, a name with a suffix or a slash), else the shipped file of
    that name in `folder`; one line naming `what` and the shipped names when there is none."""
    as_path = Path(ref)
    if isinstance(ref, Path) or as_path.suffix in suffixes or "/" in ref:
        return as_path
    for suffix in suffixes:
        candidate = folder / f"{ref}{suffix}"
        if candidate.is_file():
            return candidate
    known = ", ".join(p.stem for p in shipped_files(folder, suffixes)) or "none"
    raise InputFileError(f"{what} {ref!r}: no such {what} file or name (bundled: {known})")
