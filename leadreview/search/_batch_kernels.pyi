"""Types of the compiled batch steps (`_batch_kernels.c`); absent when not built."""

from typing import Any

def top_rows(scores: Any, indices: Any, best: Any, first: int, last: int) -> int: ...
def rescore(
    gallery: Any, queries: Any, candidates: Any, out: Any, first: int, last: int
) -> None: ...
