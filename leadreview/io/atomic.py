"""Writing a file whole, or not at all: the bytes go to a temporary file beside the
target, which is then renamed over it. A reader (or a crash) never sees half a file.

`write_on_record` adds the audit step: the file is put in place only after its SHA-256
is on record, so no file exists that the log does not know about, and a failed
recording leaves nothing behind.
"""

import hashlib
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from leadreview.errors import InputFileError

T = TypeVar("T")


def partial_path(target: Path) -> Path:
    """A hidden name beside `target`, unique to this process (two processes writing the
    same file each rename their own, whole, copy)."""
    return target.with_name(f".{target.name}.{os.getpid()}.partial")


def check_output_target(target: Path) -> None:
    """Refuse to write over anything but a regular file (or nothing). Renaming a finished
    file over `target` replaces whatever the name points at: run as root, a report
    written to /dev/full replaced the device with a regular file; a FIFO would have been
    replaced too, and a plain write to one blocks until a reader comes."""
    try:
        mode = target.lstat().st_mode
    except OSError:
        return  # nothing there, or a path the write itself will fail on, naming it
    if stat.S_ISREG(mode):
        return
    kind = (
        "a directory"
        if stat.S_ISDIR(mode)
        else "a symbolic link (name the file itself)"
        if stat.S_ISLNK(mode)
        else "a device, pipe or socket"
    )
    raise InputFileError(f"{target}: is {kind}, not a file leadreview may replace")


@contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """Yields a temporary path to fill; on leaving normally it replaces `target`, on an
    exception it is removed and `target` is left as it was. OSErrors pass through; a
    target that is not a regular file is refused first (`check_output_target`)."""
    check_output_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_path(target)
    try:
        yield partial
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _cannot_write(target: Path, what: str, exc: OSError) -> InputFileError:
    thing = f" {what}" if what else ""
    return InputFileError(f"{target}: cannot write{thing} ({exc.strerror or exc})")


def write_atomically(target: Path, data: bytes | str, what: str = "") -> None:
    """Write `data` (text is UTF-8) to `target` whole; a failure is one `InputFileError`
    naming the file (and `what` it is, if given)."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        with replacing(target) as partial:
            partial.write_bytes(payload)
    except OSError as exc:
        raise _cannot_write(target, what, exc) from None


def write_on_record(target: Path, data: bytes, record: Callable[[str], T]) -> T:
    """Write `data` aside, call `record(sha256)` (which puts the digest in the audit log),
    and only then put the file in place. Returns what `record` returned."""
    digest = hashlib.sha256(data).hexdigest()
    check_output_target(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = partial_path(target)
        partial.write_bytes(data)
    except OSError as exc:
        raise _cannot_write(target, "", exc) from None
    try:
        recorded = record(digest)  # its own errors pass through unchanged
        try:
            os.replace(partial, target)
        except OSError as exc:
            raise _cannot_write(target, "", exc) from None
    finally:
        partial.unlink(missing_ok=True)
    return recorded
