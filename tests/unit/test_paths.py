"""The shipped policies and fixtures are found from a checkout; `make wheel-check` finds
them in an installed wheel, run away from the checkout."""

from pathlib import Path

import leadreview
from leadreview.paths import bundled_policies_dir, data_root, fixtures_dir

CHECKOUT = Path(leadreview.__file__).resolve().parent.parent


def test_a_checkout_reads_the_folders_at_the_top_of_the_repository() -> None:
    assert data_root() == CHECKOUT
    assert (bundled_policies_dir() / "wcso-practice.yaml").is_file()
    assert (fixtures_dir() / "scenarios" / "aclu-2018.yaml").is_file()


def test_the_wheel_ships_every_file_of_both_folders() -> None:
    """pyproject.toml's package-data patterns must cover every file kept there: a new
    kind of file (say .csv) would otherwise be missing from the wheel only."""
    import tomllib

    config = tomllib.loads((CHECKOUT / "pyproject.toml").read_text())["tool"]["setuptools"]
    for package, folder in config["package-dir"].items():
        patterns = config["package-data"][package]
        root = CHECKOUT / folder
        for file in (f for f in root.rglob("*") if f.is_file()):
            relative = file.relative_to(root)
            assert any(relative.match(p) or Path("x", relative).match(p) for p in patterns), (
                f"{folder}/{relative} is not shipped by {patterns}"
            )
