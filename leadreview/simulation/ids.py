"""FaceIds shaped like Rekognition's (UUIDs), deterministic and reversible to a row index.

The last 12 hex digits are a bijective 48-bit scramble of the row index, so a FaceId
maps back to its row without a million-entry dictionary; the rest is a keyed hash that
makes ids of different worlds differ.
"""

import hashlib

_MASK = (1 << 48) - 1
_MULTIPLIER = 0x9E3779B97F4B & _MASK | 1  # odd, so invertible modulo 2^48
_INVERSE = pow(_MULTIPLIER, -1, 1 << 48)
MAX_INDEX = _MASK


def _scramble(index: int, key: int) -> int:
    x = (index ^ key) & _MASK
    x = (x * _MULTIPLIER) & _MASK
    return x ^ (x >> 24)


def _unscramble(value: int, key: int) -> int:
    x = value ^ (value >> 24)  # xorshift by half the width is its own inverse
    x = (x * _INVERSE) & _MASK
    return (x ^ key) & _MASK


def world_key_int(world_key: str) -> int:
    return int.from_bytes(hashlib.blake2b(world_key.encode(), digest_size=6).digest(), "big")


def face_id(world_key: str, index: int) -> str:
    if not 0 <= index <= MAX_INDEX:
        raise ValueError(f"face index {index} out of range")
    tail = _scramble(index, world_key_int(world_key))
    head = hashlib.blake2b(f"{world_key}:{index}".encode(), digest_size=10).hexdigest()
    variant = "89ab"[int(head[18], 16) & 3]
    return f"{head[0:8]}-{head[8:12]}-4{head[12:15]}-{variant}{head[15:18]}-{tail:012x}"


def face_index(world_key: str, face_id_text: str, size: int) -> int | None:
    """The row of `face_id_text` in a gallery of `size`, or None if it is not one of ours."""
    parts = face_id_text.split("-")
    if len(parts) != 5 or len(parts[4]) != 12:
        return None
    try:
        value = int(parts[4], 16)
    except ValueError:
        return None
    index = _unscramble(value, world_key_int(world_key))
    if index >= size or face_id(world_key, index) != face_id_text:
        return None
    return index
