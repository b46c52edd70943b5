"""Types of the compiled PCG64 normals (`_normals.c`); absent when not built."""

from typing import Any

def prepare(address: int) -> int: ...
def fill(
    state_high: int,
    state_low: int,
    inc_high: int,
    inc_low: int,
    has_uint32: bool,
    uinteger: int,
    out: Any,
) -> tuple[int, int, bool, int]: ...
