"""Will a gallery fit? An estimate of memory (and disk) before large work starts.

A 20-million-face replay under a memory limit used to die mid-way (MemoryError, or the
kernel's OOM killer) after minutes of work. The estimate is measured, not derived: a
replay holds each face's float32 embedding (in the gallery and again in the simulated
collection), its face id and external image id as Python strings and its record
columns; `make bench`-sized runs showed about 1.5 KiB per face on top of a fixed
~250 MiB, with 128 dimensions. The check refuses only when the estimate exceeds what is
available, so a rough figure errs towards trying.
"""

import os
import resource
import shutil
from pathlib import Path

from leadreview.errors import InputFileError

GIB = 1024**3
BASE_BYTES = 256 * 1024**2
# Measured on replay: ~1,500 bytes a face at 128 dimensions; the ids and records (~1 KiB)
# do not grow with the dimension, the two copies of the embedding do.
PER_FACE_FIXED_BYTES = 1024
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


def gallery_memory_bytes(faces: int, dims: int, *, memory_mapped: bool, probes: int = 0) -> int:
    """Bytes of memory a world and search over `faces` faces need, roughly."""
    copies = 1 if memory_mapped else 2
    embeddings = copies * embedding_bytes(faces, dims)
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
    """The least of: memory the kernel says is available, the address-space and data
    limits (ulimit -v / -d) less what this process already uses, and the cgroup's limit
    less its usage. None when nothing can be read (then nothing is refused)."""
    candidates: list[int] = []
    meminfo = _read_meminfo_available()
    if meminfo is not None:
        candidates.append(meminfo)
    used = _process_virtual_bytes()
    for limit_kind in (resource.RLIMIT_AS, resource.RLIMIT_DATA):
        soft, _hard = resource.getrlimit(limit_kind)
        if soft != resource.RLIM_INFINITY:
            candidates.append(max(0, soft - used))
    cgroup = _cgroup_headroom()
    if cgroup is not None:
        candidates.append(cgroup)
    return min(candidates) if candidates else None


def check_gallery_fits(faces: int, dims: int, cache_dir: Path | None, *, probes: int = 0) -> None:
    """Refuse, in one line, a world that will not fit in memory (or its cache on disk)."""
    need = gallery_memory_bytes(faces, dims, memory_mapped=cache_dir is not None, probes=probes)
    available = available_memory_bytes()
    have = None if available is None else int(available * HEADROOM)
    if have is not None and need > have:
        with_probes = f" and {probes:,} probes" if probes else ""
        raise InputFileError(
            f"a gallery of {faces:,} faces{with_probes} needs about {need / GIB:.1f} GiB of "
            f"memory; {have / GIB:.1f} GiB is available: choose a smaller --gallery-size"
            + ("" if cache_dir else ", or keep the gallery on disk with --cache-dir")
        )
    if cache_dir is not None:
        disk_need = faces * 4 * dims
        free = _free_disk_bytes(cache_dir)
        if free is not None and disk_need > free:
            raise InputFileError(
                f"--cache-dir {cache_dir}: a gallery of {faces:,} faces needs about "
                f"{disk_need / GIB:.1f} GiB on disk; {free / GIB:.1f} GiB is free there"
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
