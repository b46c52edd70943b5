"""Types of the compiled verifier kernel (`_verify_kernels.c`); absent when not built."""

from typing import Any

def chain_leaves(rows: list[Any], last: object, expected: object) -> bytes | None: ...
