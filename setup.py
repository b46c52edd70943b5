"""The one thing pyproject.toml cannot say: the package list is found (so new packages
ship without editing a list) AND extended by the data folders mapped into the package.

The repository keeps `policies/` and `fixtures/` at its top; `package-dir` in
pyproject.toml maps them to `leadreview/_data/policies` and `leadreview/_data/fixtures`
in the wheel, and they must be named here as packages for that mapping to apply.
"""

from setuptools import find_packages, setup

SHIPPED_DATA = ["leadreview._data.policies", "leadreview._data.fixtures"]

setup(packages=[*find_packages(include=["leadreview", "leadreview.*"]), *SHIPPED_DATA])
