"""Fixtures for the CLI tests: settings from the environment only, on each backend of
`database_url`, and the store those settings point at."""

from collections.abc import Callable, Iterator

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
