"""Named random sub-streams of one seed.

Each part of the world draws from its own stream, derived from the seed and a path of
labels, so that asking for more probes never changes the gallery, and one chunk of a
large gallery can be regenerated without the others.
"""

import hashlib

import numpy as np


def _label_key(label: str | int) -> int:
    digest = hashlib.blake2b(str(label).encode("utf-8"), digest_size=4).digest()
    return int.from_bytes(digest, "big")


def stream(seed: int, *path: str | int) -> np.random.Generator:
    """A generator determined by `seed` and `path` alone, independent of any other path."""
    sequence = np.random.SeedSequence(entropy=seed, spawn_key=tuple(_label_key(p) for p in path))
    return np.random.default_rng(sequence)
