"""Headless Chromium for the tests that look at pages as a person would.

Locally a missing Chromium skips those tests with the reason; in CI (`CI` set) it does
not: `make` installs Chromium, so its absence is a broken set-up and the tests fail.
"""

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="chromium is not installed (make setup installs it)",
)
