"""Types of the compiled verifier kernel (`_verify_kernels.c`); absent when not built."""

from typing import Any

def chain_leaves(rows: list[Any], last: object, expected: object) -> bytes | None: ...
def check_levels(
    nodes: bytes, blobs: list[bytes], level: int, base: int, top: int, unpaired: dict[int, bytes]
) -> int: ...
