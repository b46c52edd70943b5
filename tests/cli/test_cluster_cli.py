"""`--cluster ADDRESS`: replay, compare and sweep run their seeds on a Dask cluster (a
two-worker LocalCluster on loopback here), with results identical to a serial run; an
address that is not a scheduler ends in one line, exit 2, within a bounded time."""

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

from leadreview.analysis.batch_source import (
    ScenarioRequest,
    prepare,
    scenario_batches,
    seed_runs,
)
from tests.support.cli import assert_one_line_error, run_cli

SMALL = ("--gallery-size", "2000", "--probes", "30")


def test_seeds_on_the_cluster_are_the_serial_batches(dask_scheduler: str) -> None:
    request = ScenarioRequest("aclu-2018", seeds=3, gallery_size=2_000, probes=30)
    serial = list(scenario_batches(prepare(request), workers=1))
    on_cluster = prepare(ScenarioRequest(**{**request.__dict__, "cluster": dask_scheduler}))
    remote = list(scenario_batches(on_cluster))
    assert [seed for seed, _ in remote] == [seed for seed, _ in serial] == on_cluster.seeds
    for (_, mine), (_, theirs) in zip(serial, remote, strict=True):
        for field in fields(mine):
            a, b = getattr(mine, field.name), getattr(theirs, field.name)
            if isinstance(a, np.ndarray):
                assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), field.name
            else:
                assert a == b, field.name
    assert not np.array_equal(serial[0][1].similarities, serial[1][1].similarities)


def test_a_fixed_gallery_is_built_once_per_worker_not_once_per_seed(
    dask_scheduler: str,
) -> None:
    request = ScenarioRequest("aclu-2018", seeds=6, gallery_size=2_000, probes=30, gallery_seed=9)
    serial = list(scenario_batches(prepare(request), workers=1))
    runs = list(
        seed_runs(prepare(ScenarioRequest(**{**request.__dict__, "cluster": dask_scheduler})))
    )
    # Two worker processes: each built the gallery on its first seed and kept it.
    built = [run.gallery_built for run in runs]
    assert 1 <= sum(built) <= 2 and len(built) == 6, built
    assert [run.seed for run in runs] == [seed for seed, _ in serial]
    for run, (_, mine) in zip(runs, serial, strict=True):
        for field in fields(mine):
            a, b = getattr(mine, field.name), getattr(run.batch, field.name)
            if isinstance(a, np.ndarray):
                assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), field.name
            else:
                assert a == b, field.name
    assert not np.array_equal(serial[0][1].similarities, serial[1][1].similarities)
    # Another fixed gallery on the same workers is built afresh, never the kept one.
    other = ScenarioRequest(**{**request.__dict__, "gallery_seed": 10, "seeds": 2})
    again = list(
        seed_runs(prepare(ScenarioRequest(**{**other.__dict__, "cluster": dask_scheduler})))
    )
    local = list(scenario_batches(prepare(other), workers=1))
    assert [run.batch.similarities.tobytes() for run in again] == [
        batch.similarities.tobytes() for _, batch in local
    ]


def _stdout(*args: str) -> str:
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_compare_on_the_cluster_prints_what_a_local_run_prints(dask_scheduler: str) -> None:
    args = ("compare", "--seeds", "3", *SMALL, "--format", "json")
    local = json.loads(_stdout(*args))
    remote = json.loads(_stdout(*args, "--cluster", dask_scheduler))
    assert remote == local
    assert len(local["seeds"]) == 3 and local["policies"]  # a real comparison came back


def test_reports_on_the_cluster_write_what_local_reports_write(
    dask_scheduler: str, tmp_path: Path
) -> None:
    for kind in ("compare", "sweep"):
        written = {}
        for where, extra in (("local", ()), ("cluster", ("--cluster", dask_scheduler))):
            page = tmp_path / f"{kind}-{where}.html"
            args = ("report", kind, "--seeds", "2", *SMALL, "--gallery-seed", "4", "-o", str(page))
            result = run_cli(*args, *extra)
            assert result.returncode == 0, result.stderr
            written[where] = page.with_suffix(".json").read_text()
        assert written["cluster"] == written["local"], kind
        assert json.loads(written["local"])  # a real report's numbers came back


def test_sweep_and_replay_on_the_cluster_print_what_local_runs_print(
    dask_scheduler: str,
) -> None:
    sweep = ("sweep", "--seeds", "2", *SMALL, "--step", "10", "--format", "csv")
    assert _stdout(*sweep, "--cluster", dask_scheduler) == _stdout(*sweep)
    replay = ("replay", "aclu-2018", "--seed", "5", *SMALL, "--json")
    remote = json.loads(_stdout(*replay, "--cluster", dask_scheduler))
    assert remote == json.loads(_stdout(*replay))
    assert remote["gallery_size"] == 2000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def silent_listener() -> Iterator[str]:
    """A port that accepts connections and never says a word: not a scheduler."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        server.close()


@pytest.mark.parametrize(
    ("address", "needle"),
    [
        ("not-an-address", "not a scheduler address"),
        ("tcp://127.0.0.1:notaport", "not a scheduler address"),
        ("http://127.0.0.1:8786", "only tcp:// and tls://"),
        ("tcp://no-such-host.invalid:8786", "cannot connect"),
    ],
)
def test_a_bad_cluster_address_is_one_line_and_exit_2(address: str, needle: str) -> None:
    result = run_cli("compare", *SMALL, "--cluster", address)
    assert result.returncode == 2
    assert_one_line_error(result, "--cluster", needle)


def test_a_closed_port_is_refused_at_once() -> None:
    address = f"tcp://127.0.0.1:{_free_port()}"
    for command in (("compare", *SMALL), ("sweep", *SMALL), ("replay", "aclu-2018", *SMALL)):
        started = time.monotonic()
        result = run_cli(*command, "--cluster", address)
        assert result.returncode == 2
        assert_one_line_error(result, f"--cluster {address}", "cannot connect")
        assert time.monotonic() - started < 15


def test_a_port_that_is_not_a_scheduler_ends_within_the_bound(silent_listener: str) -> None:
    from leadreview.analysis.cluster_seeds import CONNECT_SECONDS

    started = time.monotonic()
    result = run_cli("compare", *SMALL, "--cluster", silent_listener)
    elapsed = time.monotonic() - started
    assert result.returncode == 2
    assert_one_line_error(result, f"--cluster {silent_listener}", "no Dask scheduler answered")
    assert elapsed < CONNECT_SECONDS + 20


def test_record_and_cluster_together_are_refused(dask_scheduler: str) -> None:
    result = run_cli("compare", *SMALL, "--record", "--cluster", dask_scheduler)
    assert result.returncode == 2
    assert_one_line_error(result, "--record", "--cluster")
    result = run_cli("replay", "aclu-2018", *SMALL, "--record", "--cluster", dask_scheduler)
    assert result.returncode == 2
    assert_one_line_error(result, "--cluster", "--record")
