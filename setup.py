"""What pyproject.toml cannot say: the package list is found (so new packages ship
without editing a list) AND extended by the data folders mapped into the package; and
the optional compiled kernel.

The repository keeps `policies/` and `fixtures/` at its top; `package-dir` in
pyproject.toml maps them to `leadreview/_data/policies` and `leadreview/_data/fixtures`
in the wheel, and they must be named here as packages for that mapping to apply: each
folder below them too, and Alembic's folders (`store/migrations`, `versions`, which have
no __init__.py), or setuptools warns about every one of them on each install.

`leadreview.search._kernels` scores gallery blocks (float16 with F16C) in C. It is
optional: without a C compiler the install still succeeds and the search runs on numpy
(leadreview/search/block_scoring.py chooses at run time).

`leadreview.search._batch_kernels` selects each row's best k of a whole score matrix
and rescores candidates in float64 for batch searches over galleries whose scores fit
the search's budget; optional in the same way (leadreview/search/topk_whole.py and
matching.py fall back to numpy, with the same results).

`leadreview.simulation._normals` draws numpy's float32 standard normals from PCG64
inline (a gallery's generation is mostly its draws); optional, and checked against
numpy at first use (leadreview/simulation/normals.py falls back to numpy's draws).

`leadreview.audit._verify_kernels` runs the verifier's hot loop (canonical entries, chain
digests, leaf hashes) in C with libcrypto's SHA-256; optional in the same way
(leadreview/audit/chain_kernel.py chooses, hashlib is the fallback).

`leadreview.audit._verify_sqlite` reads a SQLite log's rows for `audit verify` through
SQLite's C API itself, so no Python object is made per row; it needs SQLite's headers
too, so it is an extension of its own: without them it alone is skipped (verify then
reads through Python's sqlite3 driver), and the libcrypto loop still builds.
"""

from setuptools import Extension, find_namespace_packages, find_packages, setup


def _folders(package: str, folder: str) -> list[str]:
    """`package` and one package a subfolder of `folder`: a folder of data (or Alembic's
    scripts, which have no __init__.py) ships only if named, and setuptools warns about
    each one it finds unnamed."""
    below = find_namespace_packages(where=folder, exclude=["*__pycache__*"])
    return [package, *(f"{package}.{name}" for name in below)]


SHIPPED_DATA = [
    *_folders("leadreview._data.policies", "policies"),
    *_folders("leadreview._data.fixtures", "fixtures"),
    *_folders("leadreview.store.migrations", "leadreview/store/migrations"),
]

KERNELS = Extension(
    "leadreview.search._kernels",
    sources=[
        "leadreview/search/_kernels.c",
        "leadreview/search/_kernels_portable.c",
        "leadreview/search/_kernels_avx2.c",
        "leadreview/search/_kernels_avx512.c",
    ],
    depends=["leadreview/search/_kernels.h"],
    # -O3 for the portable loops; the SIMD functions enable their instructions one by one
    # (target attributes) and are chosen at run time, so no -march: the wheel runs on any
    # x86-64 CPU (and builds elsewhere with the portable loops only).
    extra_compile_args=["-O3", "-std=c11"],
    optional=True,
)

BATCH_KERNELS = Extension(
    "leadreview.search._batch_kernels",
    sources=["leadreview/search/_batch_kernels.c"],
    extra_compile_args=["-O3", "-std=c11"],
    optional=True,
)

NORMALS = Extension(
    "leadreview.simulation._normals",
    sources=["leadreview/simulation/_normals.c"],
    extra_compile_args=["-O3", "-std=c11"],
    optional=True,
)

VERIFY_KERNELS = Extension(
    "leadreview.audit._verify_kernels",
    sources=["leadreview/audit/_verify_kernels.c"],
    depends=["leadreview/audit/_verify_entry.h"],
    # SHA-256 from OpenSSL's libcrypto (Debian: libssl-dev at build time, libssl3 at run
    # time, which Python's own hashlib already needs). Without its headers this one
    # extension fails to build and is skipped; the verifier then hashes with hashlib.
    libraries=["crypto"],
    extra_compile_args=["-O2", "-std=c11"],
    optional=True,
)

VERIFY_SQLITE = Extension(
    "leadreview.audit._verify_sqlite",
    sources=["leadreview/audit/_verify_sqlite.c"],
    depends=[
        "leadreview/audit/_verify_entry.h",
        "leadreview/audit/_verify_tree.h",
        "leadreview/audit/_verify_utf8.h",
    ],
    # libcrypto as above, and SQLite (Debian: libsqlite3-dev at build time; at run time
    # libsqlite3-0, the library Python's own sqlite3 module is linked with).
    libraries=["crypto", "sqlite3"],
    extra_compile_args=["-O2", "-std=c11"],
    optional=True,
)

setup(
    packages=[*find_packages(include=["leadreview", "leadreview.*"]), *SHIPPED_DATA],
    ext_modules=[KERNELS, BATCH_KERNELS, NORMALS, VERIFY_KERNELS, VERIFY_SQLITE],
)
