"""Fixed examples for the commands that serve, found by running them with hostile
options: each must end in one line before it listens (the harness's alarm fails a case
that would serve instead)."""

import pytest

from tests.fuzz.conftest import Workspace
from tests.fuzz.harness import assert_refused, run_main


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        ("", "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),
        ("room.example:8000", "http:// or https://"),
        ("http://", "http:// or https://"),
        ("http://room.example:99999/", "Port out of range"),
    ],
    ids=["empty", "javascript", "no-scheme", "no-host", "port-out-of-range"],
)
def test_serve_refuses_a_public_url_browsers_cannot_open(
    workspace: Workspace, url: str, needle: str
) -> None:
    """An empty --public-url was served: the page's WebSocket address and the one origin
    accepted came from it."""
    argv = ["serve", "--public-url", url, "--port", "8000", "--no-demo"]
    line = assert_refused(run_main(argv, workspace.env), "--public-url", needle)
    assert repr(url) in line


def test_rekognition_serve_on_a_host_that_cannot_be_bound_is_one_line(
    workspace: Workspace,
) -> None:
    """The not-loopback warning used to come first, making two lines of one error."""
    argv = ["rekognition", "serve", "--host", "nohost.invalid", "--port", "0"]
    assert_refused(run_main(argv, workspace.env), "--host nohost.invalid", "cannot listen")
