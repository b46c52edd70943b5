"""The process environment of the worker processes a command starts (seeds in parallel).

Here, above the composition root, because only the CLI and the app may touch the process
environment: the analysis layer starts the workers, the command says how many BLAS
threads each may use.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def worker_blas_threads(count: int) -> Iterator[None]:
    """Worker processes started inside this block give BLAS `count` threads each, so
    that the processes together use the cores once, not cores x cores threads. (BLAS
    reads these when it loads, in the fresh process; the parent is not affected.)"""
    names = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update({name: str(count) for name in names})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
