"""Storage: engines, units of work, SQLModel tables and Alembic migrations.

Nothing here connects at import time. Call `open_store(url)` once, pass the `Store`
to services, and write inside `with store.transaction() as session:`.
"""

from leadreview.store.engine import make_engine, masked_url
from leadreview.store.store import Store, open_store, upgrade_store

__all__ = ["Store", "make_engine", "masked_url", "open_store", "upgrade_store"]
