"""What pyproject.toml cannot say: the package list is found (so new packages ship
without editing a list) AND extended by the data folders mapped into the package; and
the optional compiled kernel.

The repository keeps `policies/` and `fixtures/` at its top; `package-dir` in
pyproject.toml maps them to `leadreview/_data/policies` and `leadreview/_data/fixtures`
in the wheel, and they must be named here as packages for that mapping to apply.

`leadreview.search._kernels` scores gallery blocks (float16 with F16C) in C. It is
optional: without a C compiler the install still succeeds and the search runs on numpy
(leadreview/search/block_scoring.py chooses at run time).
"""

from setuptools import Extension, find_packages, setup

SHIPPED_DATA = ["leadreview._data.policies", "leadreview._data.fixtures"]

KERNELS = Extension(
    "leadreview.search._kernels",
    sources=["leadreview/search/_kernels.c"],
    # -O3 for the portable loops; the SIMD functions enable their instructions one by one
    # (target attributes) and are chosen at run time, so no -march: the wheel runs on any
    # x86-64 CPU (and builds elsewhere with the portable loops only).
    extra_compile_args=["-O3", "-std=c11"],
    optional=True,
)

setup(
    packages=[*find_packages(include=["leadreview", "leadreview.*"]), *SHIPPED_DATA],
    ext_modules=[KERNELS],
)
