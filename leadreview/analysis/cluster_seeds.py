"""Seeds run on an existing Dask distributed cluster (`--cluster ADDRESS`).

Each seed is one task, `seed_runs.run_seed`, in whichever worker the scheduler picks;
a seed's world depends on its seed alone, so the batches equal a serial run's, and they
are handed back in seed order. The workers need leadreview installed (the same version),
as a worker process on this machine has it. The workers may be on other machines, with
no folder in common, so a fixed gallery is not shared through a file: each worker
process builds it on its first seed and keeps it for its next ones (`worker_gallery.py`),
once per worker instead of once per seed.

Dask is imported here only, when a cluster is asked for: the CLI never loads it at
start-up, and nothing else in the package imports it (pyproject.toml's contracts).
"""

from collections.abc import Iterator
from typing import TYPE_CHECKING

from leadreview.analysis.seed_runs import GalleryPlacement, SeedRun, run_seed
from leadreview.errors import ConfigurationError
from leadreview.simulation.scenario import Scenario
from leadreview.simulation.score_model import ScoreModel

if TYPE_CHECKING:
    from distributed import Client

# Bounded waits, in seconds: a scheduler that does not answer the handshake, and a
# cluster with no worker to run anything, end in one line instead of a hang.
CONNECT_SECONDS = 10.0
WORKERS_SECONDS = 30.0


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def cluster_seed_runs(
    scenario: Scenario, seeds: list[int], address: str, model: ScoreModel
) -> Iterator[SeedRun]:
    """Every seed's run on the Dask scheduler at `address`, in seed order."""
    client = _connect(address)
    with client:
        try:
            client.wait_for_workers(1, timeout=WORKERS_SECONDS)
        except TimeoutError:
            raise ConfigurationError(
                f"--cluster {address}: the scheduler has no worker after "
                f"{WORKERS_SECONDS:.0f} s; start one with `dask worker {address}`"
            ) from None
        placement = GalleryPlacement(kept_in_worker=scenario.gallery.seed is not None)
        futures = [
            client.submit(run_seed, scenario, seed, placement, model, pure=False) for seed in seeds
        ]
        try:
            for seed, future in zip(seeds, futures, strict=True):
                yield _result(future, seed, address)
        finally:
            client.cancel(futures)  # type: ignore[no-untyped-call]  # distributed is untyped here


def _connect(address: str) -> "Client":
    """A client of the scheduler at `address`, or one line within CONNECT_SECONDS.

    Dask's own `timeout` bounds the TCP connection, not the handshake after it: a port
    that accepts and never answers (not a scheduler) would hold `Client()` forever. So
    the client is made in a daemon thread and waited for with a deadline; a thread still
    stuck then is abandoned to the process's exit, as the command ends with the error."""
    import threading

    from distributed import Client

    made: list[Client] = []
    failed: list[BaseException] = []

    def connect() -> None:
        try:
            client = Client(  # type: ignore[no-untyped-call]  # distributed is untyped here
                address, timeout=CONNECT_SECONDS, set_as_default=False
            )
            made.append(client)
        except Exception as exc:  # reported below, in the caller's thread
            failed.append(exc)

    thread = threading.Thread(target=connect, name="dask-connect", daemon=True)
    thread.start()
    thread.join(CONNECT_SECONDS + 2.0)
    if made:
        return made[0]
    reason = _one_line(failed[0]) if failed else f"no handshake within {CONNECT_SECONDS:.0f} s"
    raise ConfigurationError(f"--cluster {address}: no Dask scheduler answered ({reason})")


def _result(future: object, seed: int, address: str) -> SeedRun:
    from distributed import Future
    from distributed.scheduler import KilledWorker

    assert isinstance(future, Future)
    try:
        run = future.result()
    except ImportError as exc:
        raise ConfigurationError(
            f"--cluster {address}: a worker cannot run seed {seed} ({_one_line(exc)}); "
            "install leadreview where the workers run"
        ) from None
    except (KilledWorker, OSError) as exc:
        raise ConfigurationError(
            f"--cluster {address}: seed {seed} was lost with its worker ({_one_line(exc)})"
        ) from None
    if not isinstance(run, SeedRun):
        raise ConfigurationError(f"--cluster {address}: seed {seed} came back as {type(run)}")
    return run
