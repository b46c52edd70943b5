"""Where the files shipped with the project live."""

from pathlib import Path


def project_root() -> Path:
    """The checkout (or install prefix) that holds policies/ and fixtures/ beside the package."""
    return Path(__file__).resolve().parent.parent


def bundled_policies_dir() -> Path:
    return project_root() / "policies"


def fixtures_dir() -> Path:
    return project_root() / "fixtures"
