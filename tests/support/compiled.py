"""Force a compiled or a portable path for one test, as the command line would.

The command line reads `LEADREVIEW_SEARCH_KERNEL` and `LEADREVIEW_VERIFY_KERNEL` when a
command starts (`compiled_paths.choose`); a test that calls the library directly sets
the choice here instead, undone when the test ends.
"""

from dataclasses import replace
from typing import Any

import pytest

from leadreview import compiled_paths


def use_paths(monkeypatch: pytest.MonkeyPatch, **choice: Any) -> None:
    """This test runs with `choice` (search=…, verify=…, kernel_threads=…) chosen."""
    chosen = replace(compiled_paths.chosen(), **choice)
    monkeypatch.setattr(compiled_paths, "_chosen", [chosen])
