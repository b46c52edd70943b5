"""Will a gallery fit? An estimate of memory (and disk) before large work starts.

A 20-million-face replay under a memory limit used to die mid-way (MemoryError, or the
kernel's OOM killer) after minutes of work. The estimate is measured, not derived:
replays of 1 and 3 million faces (float32 and float16, in memory and memory-mapped)
held the embedding matrix once (the simulated collection keeps the gallery's own
array), 56-76 bytes a face besides (the person columns and the generator's transient
draws) and about 0.5 GiB whatever the size (modules, the generator's buffers, the
search's budget). Face ids are computed per lead, so they no longer count. A gallery
memory-mapped from `--cache-dir` is written and read through the page cache: its pages
are the kernel's to evict, so it needs address space and disk, not memory. The check
refuses only when the estimate exceeds what is available, so a rough figure errs
towards trying.
"""

import os
import resource
import shutil
from pathlib import Path

from leadreview.errors import InputFileError

GIB = 1024**3
BASE_BYTES = 512 * 1024**2
# Measured on replay: 56-76 bytes a face besides the embeddings, rounded up.
PER_FACE_FIXED_BYTES = 80
# Of those, the person columns and the alive flag of a generated gallery (ids are
# computed per lead, not stored): what the progress line reports beside the embeddings.
PERSON_COLUMN_BYTES = 13
# A probe carries its embedding, its record and truth, and its row of results.
PER_PROBE_FIXED_BYTES = 2048
# Refuse past this share of what is available: the estimate is rough, and the machine
# has other work (running out is an OOM kill, not an error message).
HEADROOM = 0.8


def embedding_bytes(faces: int, dims: int, item_bytes: int = 4) -> int:
    """The gallery's embedding matrix: one row of `dims` numbers a face."""
    return faces * dims * item_bytes


def gallery_memory_bytes(
    faces: int, dims: int, *, memory_mapped: bool, probes: int = 0, item_bytes: int = 4
) -> int:
    """Bytes of memory a world and search over `faces` faces need, roughly: the matrix
    counts only when it is held in memory, not mapped from a file."""
    embeddings = 0 if memory_mapped else embedding_bytes(faces, dims, item_bytes)
    return (
        BASE_BYTES
        + faces * PER_FACE_FIXED_BYTES
        + embeddings
        + probes * (PER_PROBE_FIXED_BYTES + 8 * dims)
    )


def gallery_estimate(faces: int, dims: int = 128, item_bytes: int = 4) -> str:
    """What a gallery will take, said before it is generated (the progress bar's line)."""
    matrix = embedding_bytes(faces, dims, item_bytes)
    return (
        f"gallery of {faces:,} faces: {matrix / GIB:.2f} GiB of embeddings "
        f"(in memory, or on disk with --cache-dir) and "
        f"{faces * PERSON_COLUMN_BYTES / GIB:.2f} GiB of person columns in memory"
    )


def available_memory_bytes() -> int | None:
    """The least of: memory the kernel says is available, the data limit (ulimit -d)
    less what this process already uses, and the cgroup's limit less its usage. None
    when nothing can be read (then nothing is refused)."""
    candidates: list[int] = []
    meminfo = _read_meminfo_available()
    if meminfo is not None:
        candidates.append(meminfo)
    data = _limit_headroom(resource.RLIMIT_DATA)
    if data is not None:
        candidates.append(data)
    cgroup = _cgroup_headroom()
    if cgroup is not None:
        candidates.append(cgroup)
    return min(candidates) if candidates else None


def _limit_headroom(kind: int) -> int | None:
    soft, _hard = resource.getrlimit(kind)
    if soft == resource.RLIM_INFINITY:
        return None
    return max(0, soft - _process_virtual_bytes())


def check_gallery_fits(
    faces: int, dims: int, cache_dir: Path | None, *, probes: int = 0, item_bytes: int = 4
) -> None:
    """Refuse, in one line, a world that will not fit in memory (or its cache on disk).

    A memory-mapped gallery needs no memory of its own but still address space: it is
    held to the address-space limit (ulimit -v) with the rest."""
    mapped = cache_dir is not None
    need = gallery_memory_bytes(
        faces, dims, memory_mapped=mapped, probes=probes, item_bytes=item_bytes
    )
    matrix = embedding_bytes(faces, dims, item_bytes)
    limits = []
    available = available_memory_bytes()
    if available is not None:
        limits.append((need, int(available * HEADROOM)))
    address_space = _limit_headroom(resource.RLIMIT_AS)
    if address_space is not None:
        limits.append((need + (matrix if mapped else 0), int(address_space * HEADROOM)))
    for needed, have in limits:
        if needed > have:
            with_probes = f" and {probes:,} probes" if probes else ""
            raise InputFileError(
                f"a gallery of {faces:,} faces{with_probes} needs about {needed / GIB:.1f} GiB "
                f"of memory; {have / GIB:.1f} GiB is available: choose a smaller --gallery-size"
                + ("" if mapped else ", or keep the gallery on disk with --cache-dir")
            )
    if cache_dir is not None:
        free = _free_disk_bytes(cache_dir)
        if free is not None and matrix > free:
            raise InputFileError(
                f"--cache-dir {cache_dir}: a gallery of {faces:,} faces needs about "
                f"{matrix / GIB:.1f} GiB on disk; {free / GIB:.1f} GiB is free there"
            )


def _read_meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _process_virtual_bytes() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _cgroup_headroom() -> int | None:
    base = Path("/sys/fs/cgroup")
    try:
        limit = (base / "memory.max").read_text(encoding="ascii").strip()
        if limit == "max":
            return None
        current = int((base / "memory.current").read_text(encoding="ascii").strip())
        return max(0, int(limit) - current)
    except (OSError, ValueError):
        return None


def _free_disk_bytes(directory: Path) -> int | None:
    probe = directory
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return shutil.disk_usage(probe).free
    except OSError:
        return None
