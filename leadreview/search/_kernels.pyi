"""Types of the compiled block-scoring kernel (`_kernels.c`); absent when not built."""

from typing import Any

def score(
    gallery: Any, queries: Any, out: Any, first: int, last: int, portable: bool = False
) -> None: ...
def score_above(
    gallery: Any,
    queries: Any,
    thresholds: Any,
    rows: Any,
    queries_out: Any,
    scores: Any,
    first: int,
    last: int,
    portable: bool = False,
) -> int: ...
def simd() -> bool: ...
def isa() -> str: ...
def limit_isa(name: str) -> str: ...
