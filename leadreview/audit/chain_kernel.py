"""The compiled hot loop of the verifier (`_verify_kernels.c`), when it is built.

`chain_leaves(rows, last, expected)` hashes a chunk of stored rows in C (libcrypto's
SHA-256) and checks what `ChainWalker`'s fast path checks; it returns the chunk's leaf
hashes concatenated when every row passes, or None when any row does not or is one the
C code does not handle, and the walker then walks that chunk in Python. Verdicts and
their wording are Python's either way. `check_levels` does tree_check.py's check of the
stored tree's levels in one call.

`sqlite_range_walker()` is `_verify_sqlite.c`'s `walk_range`: a range of a SQLite log
read through SQLite's C API and checked in C, no Python object per row (verify_parallel.py
uses it for each range and falls back to the driver's rows when it is absent or cannot
read the file).

`LEADREVIEW_VERIFY_KERNEL=python` (read by the command line: `compiled_paths`) forces
the Python path, so the two
can be compared on one machine; `LEADREVIEW_VERIFY_KERNEL=driver` keeps the compiled
hashing loop but reads rows through the driver (the path before the C reader). An install
built without a C compiler or without OpenSSL's headers has only the Python path; one
without SQLite's headers has no C reader.
"""

from collections.abc import Callable
from types import ModuleType
from typing import Any

from leadreview.compiled_paths import chosen

ChainLeaves = Callable[[list[Any], object, object], bytes | None]
# (uri, first, last, link, chunk_rows, top, sizes) -> the range's state, False or None.
RangeState = tuple[int, str, str, dict[int, str], int, list[bytes]]
SqliteRangeWalker = Callable[
    [str, int, int, str | None, int, int, list[int]], RangeState | bool | None
]


def _load_kernels() -> ModuleType | None:
    try:
        from leadreview.audit import _verify_kernels
    except ImportError:  # built without a C compiler or libcrypto's headers
        return None
    module: ModuleType = _verify_kernels
    return module


def kernel_built() -> bool:
    """Whether the compiled verifier kernel is installed (whatever the environment asks)."""
    return _load_kernels() is not None


def _load_sqlite_reader() -> ModuleType | None:
    try:
        from leadreview.audit import _verify_sqlite
    except ImportError:  # built without SQLite's (or libcrypto's) headers
        return None
    module: ModuleType = _verify_sqlite
    return module


def sqlite_reader_built() -> bool:
    """Whether the compiled SQLite range reader is installed."""
    return _load_sqlite_reader() is not None


def _asked() -> str:
    return chosen().verify


def _wanted() -> ModuleType | None:
    if _asked() == "python":
        return None
    return _load_kernels()


def sqlite_range_walker() -> SqliteRangeWalker | None:
    """The compiled `walk_range` over a SQLite file, unless it is not built or the
    environment asks for the Python path or the driver's rows."""
    if _asked() in ("python", "driver"):
        return None
    reader = _load_sqlite_reader()
    if reader is None:
        return None
    function: SqliteRangeWalker = reader.walk_range
    return function


def chain_kernel() -> ChainLeaves | None:
    """The compiled `chain_leaves`, unless it is not built or the environment asks for
    the Python path."""
    kernels = _wanted()
    if kernels is None:
        return None
    function: ChainLeaves = kernels.chain_leaves
    return function


LevelCheck = Callable[[bytes, list[bytes], int, int, int, dict[int, bytes]], int]


def level_check() -> LevelCheck | None:
    """The compiled `check_levels` (tree_check.py's level-by-level check in one call),
    unless it is not built or the environment asks for the Python path."""
    kernels = _wanted()
    if kernels is None:
        return None
    function: LevelCheck = kernels.check_levels
    return function


def split_leaves(joined: bytes) -> list[bytes]:
    """The 32-byte leaf hashes of `chain_leaves`'s answer, one bytes each."""
    return [joined[k : k + 32] for k in range(0, len(joined), 32)]
