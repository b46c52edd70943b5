"""Where the files shipped with the project live: `policies/` and `fixtures/`.

An installed wheel carries them inside the package, as `leadreview/_data/policies` and
`leadreview/_data/fixtures` (the build maps the repository's top-level folders there), and
they are read through `importlib.resources`. A checkout (or an editable install of one)
has no copies inside the package: the folders are read where they live, at the top of
the repository beside the package.
"""

from importlib import resources
from pathlib import Path

_SHIPPED = ("policies", "fixtures")


def _has_shipped_files(folder: Path) -> bool:
    return all((folder / name).is_dir() for name in _SHIPPED)


def data_root() -> Path:
    """The folder holding `policies/` and `fixtures/`: the package's own data in a wheel,
    else the checkout the package was imported from."""
    packaged = resources.files("leadreview._data")
    # A wheel unpacked on disk gives a real path; leadreview is not meant to run zipped.
    if isinstance(packaged, Path) and _has_shipped_files(packaged):
        return packaged
    return Path(__file__).resolve().parent.parent


def bundled_policies_dir() -> Path:
    return data_root() / "policies"


def fixtures_dir() -> Path:
    return data_root() / "fixtures"
