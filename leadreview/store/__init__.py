"""Storage: engines, units of work, SQLModel tables and Alembic migrations.

Nothing here connects at import time. Call `open_store(url)` once, pass the `Store`
to services, and write inside `with store.transaction() as session:` (or, for a hot
small write in plain SQL, `with store.writing() as unit:`).
"""

from leadreview.store.engine import make_engine, masked_url
from leadreview.store.store import Store, open_store, upgrade_store
from leadreview.store.unit import WriteUnit

__all__ = ["Store", "WriteUnit", "make_engine", "masked_url", "open_store", "upgrade_store"]
