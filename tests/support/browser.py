"""Headless Chromium for the tests that look at pages as a person would.

Locally a missing Chromium skips those tests with the reason; in CI (`CI` set) it does
not: `make` installs Chromium, so its absence is a broken set-up and the tests fail.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="chromium is not installed (make setup installs it)",
)


def without_sources(html: str) -> str:
    return re.sub(r'<section id="sources">.*?</section>', "", html, flags=re.DOTALL)


def run_chromium(html_path: Path, tmp_path: Path, *mode: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", *mode,
         html_path.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
