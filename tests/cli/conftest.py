"""Fixtures for the CLI tests: settings from the environment only, on each backend of
`database_url`, and the store those settings point at."""

from collections.abc import Iterator

import pytest

from leadreview.store.store import Store, open_store


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Settings from the environment only (the root `isolated_home` fixture has already
    cleared the host's LEADREVIEW_ and AWS_ variables): this backend, acting as ivy.
    Returns the database URL."""
    monkeypatch.setenv("LEADREVIEW_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")  # rich tables: keep cells whole for the asserts
    return database_url


@pytest.fixture
def db(cli_env: str) -> Iterator[Store]:
    opened = open_store(url=cli_env)
    try:
        yield opened
    finally:
        opened.dispose()


@pytest.fixture(scope="module")
def dask_scheduler() -> Iterator[str]:
    """A two-worker Dask LocalCluster on loopback, worker processes (not threads), as a
    real cluster runs its workers; yields the scheduler's address."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        yield str(cluster.scheduler_address)
