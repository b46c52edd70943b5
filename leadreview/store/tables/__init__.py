"""Every table module, imported so that `SQLModel.metadata` knows all tables.

Add a module per area (e.g. `cases.py`) and import it here; its schema arrives through a
new Alembic revision in `store/migrations/versions/`.
"""

from leadreview.store.tables import exercise as exercise  # registers the exercise tables
from leadreview.store.tables import principals as principals  # role grants, join codes
from leadreview.store.tables import workflow as workflow  # registers the workflow tables
from leadreview.store.tables.audit import AuditEventRow, AuditHeadRow

__all__ = ["AuditEventRow", "AuditHeadRow"]
