"""The compiled loops' switches: read once by the command line, handed down, never read
below it; a value nobody knows is one clear line, not a silent default."""

import pytest

from leadreview import compiled_paths
from leadreview.compiled_paths import CompiledPaths, from_environment
from leadreview.errors import ConfigurationError
from tests.support.cli import run


def test_the_environment_names_each_path_and_the_thread_cap() -> None:
    paths = from_environment(
        {
            "LEADREVIEW_SEARCH_KERNEL": " NumPy ",
            "LEADREVIEW_VERIFY_KERNEL": "driver",
            "OMP_NUM_THREADS": "3",
            "OPENBLAS_NUM_THREADS": "2",
        }
    )
    assert paths == CompiledPaths(search="numpy", verify="driver", kernel_threads=2)
    assert from_environment({}) == CompiledPaths()
    assert from_environment({"OMP_NUM_THREADS": "0"}).kernel_threads is None


@pytest.mark.parametrize("name", ["LEADREVIEW_SEARCH_KERNEL", "LEADREVIEW_VERIFY_KERNEL"])
def test_an_unknown_value_is_an_error_naming_the_variable(name: str) -> None:
    with pytest.raises(ConfigurationError, match=f"{name}='fast'"):
        from_environment({name: "fast"})


def test_a_worker_gets_its_share_of_the_cores_never_more_than_its_parent() -> None:
    assert CompiledPaths().with_thread_share(1).kernel_threads == 1
    assert CompiledPaths(kernel_threads=1).with_thread_share(4).kernel_threads == 1
    assert CompiledPaths(search="numpy").with_thread_share(0) == CompiledPaths("numpy", "", 1)


def test_a_command_hands_the_environments_choice_down(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADREVIEW_VERIFY_KERNEL", "python")
    monkeypatch.setenv("LEADREVIEW_SEARCH_KERNEL", "numpy")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # whatever the host's, or unset
    result = run(capsys, "audit", "verify")
    assert result.code == 0, result.err
    assert compiled_paths.chosen() == CompiledPaths("numpy", "python", kernel_threads=1)


def test_a_command_refuses_a_switch_it_does_not_know(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEADREVIEW_SEARCH_KERNEL", "gpu")
    result = run(capsys, "audit", "verify")
    assert result.code == 2
    assert result.one_error_line() == (
        "leadreview: error: LEADREVIEW_SEARCH_KERNEL='gpu': expected one of kernel, numpy, or unset"
    )
