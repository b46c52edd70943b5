"""What a gallery is said to need before it is generated, and when it is refused."""

import subprocess
import sys
from pathlib import Path

from leadreview.simulation.resources import (
    GIB,
    embedding_bytes,
    gallery_estimate,
    gallery_memory_bytes,
)


def test_the_estimate_names_the_memory_a_gallery_takes() -> None:
    # Michigan's scale: 50M faces x 128 float32 dimensions is 23.84 GiB of embeddings.
    text = gallery_estimate(50_000_000)
    assert "50,000,000 faces" in text and "23.84 GiB of embeddings" in text
    assert "0.61 GiB of person columns" in text
    assert "11.92 GiB" in gallery_estimate(50_000_000, item_bytes=2)


def test_a_memory_mapped_gallery_needs_address_space_and_disk_not_memory() -> None:
    # Michigan's scale from --cache-dir: the 11.9 GiB matrix lives in the page cache, so
    # what must fit in memory is the person columns and a fixed base (measured, see
    # resources.py), a few GiB: the scenario runs on a machine of 24 GiB.
    mapped = gallery_memory_bytes(49_750_105, 128, memory_mapped=True, probes=1, item_bytes=2)
    held = gallery_memory_bytes(49_750_105, 128, memory_mapped=False, probes=1, item_bytes=2)
    assert mapped < 5 * GIB
    assert held - mapped == embedding_bytes(49_750_105, 128, item_bytes=2)  # counted once


_UNDER_A_LIMIT = """
import resource, sys
from pathlib import Path
from leadreview.errors import InputFileError
from leadreview.simulation.resources import check_gallery_fits
resource.setrlimit(resource.RLIMIT_AS, (6 * 1024**3, 6 * 1024**3))
faces = int(sys.argv[1])
try:
    check_gallery_fits(faces, 128, Path(sys.argv[2]), probes=1, item_bytes=2)
except InputFileError as exc:
    print(exc.message)
else:
    print("fits")
"""


def test_a_mapped_gallery_beyond_the_address_space_limit_is_refused(tmp_path: Path) -> None:
    def verdict(faces: int) -> str:
        done = subprocess.run(
            [sys.executable, "-c", _UNDER_A_LIMIT, str(faces), str(tmp_path)],
            capture_output=True, text=True, check=True, timeout=60,
        )  # fmt: skip
        return done.stdout.strip()

    assert verdict(2_000_000) == "fits"  # 0.5 GiB mapped
    refused = verdict(49_750_105)  # 11.9 GiB mapped: more than ulimit -v allows
    assert refused.startswith("a gallery of 49,750,105 faces and 1 probes needs about")
    assert "--cache-dir" not in refused  # it is already on disk
