"""The one thing pyproject.toml cannot say: the package list is found (so new packages
ship without editing a list) AND extended by the data folders mapped into the package.

The repository keeps `policies/` and `fixtures/` at its top; `package-dir` in
pyproject.toml maps them to `leadreview/_data/policies` and `leadreview/_data/fixtures`
in the wheel, and they must be named here as packages for that mapping to apply: each
folder below them too, and Alembic's folders (`store/migrations`, `versions`, which have
no __init__.py), or setuptools warns about every one of them on each install.
"""

from setuptools import find_namespace_packages, find_packages, setup


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

setup(packages=[*find_packages(include=["leadreview", "leadreview.*"]), *SHIPPED_DATA])
