"""The endpoint tests' fixture: a running simulated endpoint (on `cli_env`'s settings)."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from leadreview.settings import load_settings
from leadreview.store.store import open_store
from tests.support.endpoint import Endpoint, issue, start_endpoint, write_small_scenario


@pytest.fixture
def endpoint(cli_env: str, tmp_path: Path) -> Iterator[Endpoint]:
    """The simulated endpoint over a 2,000-face world, one investigator's key ("ivan")."""
    settings = load_settings()
    store = open_store(settings.resolved_database_url())
    key = issue(settings, store, "ivan")
    server = start_endpoint(settings, store, key, world=write_small_scenario(tmp_path))
    try:
        yield Endpoint(server=server, url=server.url, key=key, settings=settings, store=store)
    finally:
        server.shutdown()
        server.server_close()
        store.dispose()
