"""Fixtures for the CLI tests: settings from the environment only, on each backend of
`database_url`, and the store those settings point at."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from leadreview.store.store import Store, open_store

if TYPE_CHECKING:
    from tests.support.postgres_logins import GrantedLogins


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


@pytest.fixture
def owner_store(postgres_url: str) -> Iterator[Store]:
    """The schema migrated (and the application's privileges granted) by its owner."""
    store = open_store(url=postgres_url)
    try:
        yield store
    finally:
        store.dispose()


@pytest.fixture
def make_login(postgres_url: str) -> Iterator[Callable[[str], str]]:
    """Create PostgreSQL logins with random names; drop them (and what they own) after."""
    import uuid

    import psycopg

    from tests.support.postgres_logins import libpq

    created: list[str] = []

    def make(prefix: str) -> str:
        name = f"lr_{prefix}_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(libpq(postgres_url), autocommit=True) as connection:
            connection.execute(f'CREATE ROLE "{name}" LOGIN')
        created.append(name)
        return name

    yield make
    with psycopg.connect(libpq(postgres_url), autocommit=True) as connection:
        for name in created:
            connection.execute(f'DROP OWNED BY "{name}"')
            connection.execute(f'DROP ROLE "{name}"')


@pytest.fixture
def logins(
    owner_store: Store,
    postgres_url: str,
    make_login: Callable[[str], str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> "GrantedLogins":
    """Make logins granted a role (`logins.grant("reviewer")`) and run the CLI as them
    (`logins.run(login, *args)`), on a schema its owner has migrated."""
    from tests.support.postgres_logins import GrantedLogins

    monkeypatch.setenv("COLUMNS", "200")  # rich tables: keep cells whole for the asserts
    return GrantedLogins(postgres_url, make_login, capsys, monkeypatch)


@pytest.fixture
def opened_case(logins: "GrantedLogins", tmp_path: Path) -> Iterator[str]:
    """A case opened by an investigator login through the CLI; yields a reviewer login."""
    investigator, reviewer = logins.grant("investigator"), logins.grant("reviewer")
    image = tmp_path / "still.png"
    logins.ok(investigator, "probe", "render", "--probe", "3", "--output", str(image))
    logins.ok(investigator, "case", "open", "--image", str(image), "--offense", "theft")
    yield reviewer


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
