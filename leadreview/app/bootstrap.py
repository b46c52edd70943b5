"""The composition root: where the application is assembled, once per process.

Settings are read here and nowhere else (the first time something asks for them, so a
command that needs none, such as `policy list`, never fails on a broken config file).
The store, the search backend, the services and the acting principal are built here,
lazily, and handed out: to CLI commands through typer's `ctx.obj`, to the terminal app
through its constructor, and to `serve` through the command it runs. Nothing is built
at import time; heavy modules (SQLAlchemy, boto3, numpy) load when first asked for.

The shape follows "Cosmic Python"'s bootstrap (dependencies made in one function and
passed in) and posting's `make_posting`, without an engine made at import time.
"""

import threading
from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from leadreview.app.identity import Principal, resolve_principal
from leadreview.domain.roles import Role
from leadreview.settings import Settings, load_settings

if TYPE_CHECKING:
    from leadreview.audit.archive import S3Client
    from leadreview.audit.service import AuditContext
    from leadreview.exercise.service import ExerciseService
    from leadreview.search.protocol import FaceSearchClient
    from leadreview.store.store import Store
    from leadreview.workflow.context import WorkflowContext


class Application:
    """Everything a command or the terminal app needs, each piece built on first use.

    `overrides` are settings given on the command line (e.g. `--backend`), applied on
    top of the environment and the config file; `database_url` replaces the settings'
    database for this process (`leadreview tui --database`); `clock` replaces the wall
    clock for every service and audit event (tests and snapshots fix it).
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        database_url: str | None = None,
        clock: Callable[[], datetime] | None = None,
        **overrides: Any,
    ) -> None:
        self._given_settings = settings
        self._overrides = overrides
        self._database_url = database_url
        self._clock = clock
        self._store: Store | None = None
        self._lock = threading.Lock()
        # How the people this process acts for are authenticated, when it is not the
        # store's own way: "join-code" for a session of `serve`, whose OS user is the
        # server's, not the participant's.
        self.authenticated_by: str | None = None

    @cached_property
    def settings(self) -> Settings:
        """The settings, read once: environment over config file over defaults."""
        if self._given_settings is not None:
            if self._overrides:
                return self._given_settings.model_copy(update=self._overrides)
            return self._given_settings
        return load_settings(**self._overrides)

    def with_settings(self, **changes: Any) -> "Application":
        """The same application with some settings changed (e.g. `case open --backend`);
        the store, if already open, is shared."""
        changed = Application(self.settings.model_copy(update=changes), clock=self._clock)
        changed._database_url = self._database_url
        changed._store = self._store
        changed.authenticated_by = self.authenticated_by
        return changed

    def with_database(self, url: str) -> "Application":
        """The same settings on another database (`tui --database`, `serve --database`)."""
        if self._store is not None:
            raise RuntimeError("the store is already open; choose the database before")
        changed = Application(self.settings, clock=self._clock)
        changed._database_url = url
        changed.authenticated_by = self.authenticated_by
        return changed

    @property
    def database_url(self) -> str:
        return self._database_url or self.settings.resolved_database_url()

    def store(self) -> "Store":
        """The store, opened (schema upgraded to head) the first time it is asked for."""
        with self._lock:
            if self._store is None:
                from leadreview.store.store import open_store

                self._store = open_store(self.database_url)
            return self._store

    def workflow_context(self) -> "WorkflowContext":
        from leadreview.audit.log import AuditLog
        from leadreview.workflow.context import WorkflowContext

        if self._clock is None:
            return WorkflowContext(store=self.store(), audit=AuditLog(auth=self.authenticated_by))
        audit = AuditLog(clock=self._clock, auth=self.authenticated_by)
        return WorkflowContext(store=self.store(), audit=audit, clock=self._clock)

    def search_client(self) -> "FaceSearchClient":
        """The backend the settings name; a bad region or profile ends here, in one line."""
        from leadreview.search import rekognition

        return rekognition.make_search_client(self.settings)

    def s3_client(self) -> "S3Client":
        """An S3 client for the write-once archive, from the settings' AWS section."""
        from leadreview.audit.archive import make_s3_client

        return make_s3_client(self.settings.aws)

    def audit_context(self) -> "AuditContext":
        """Where this installation keeps its signing key and the checkpoints it has seen."""
        from leadreview.audit.keys import check_origin
        from leadreview.audit.service import AuditContext

        settings = self.settings
        return AuditContext(
            key_path=settings.resolved_signing_key_path(),
            checkpoint_dir=settings.data_dir / "checkpoints",
            origin=check_origin(settings.log_origin),
        )

    def exercise_service(self) -> "ExerciseService":
        from leadreview.exercise.service import ExerciseService

        return ExerciseService(self.workflow_context())

    def principal(self, role: Role) -> Principal:
        """Who is acting, in `role`: the OS user on SQLite, the database login on
        PostgreSQL (see `identity.resolve_principal`), refused — on record — unless the
        database's owner granted them `role` (`leadreview db grant`). Opens the store."""
        url = self.database_url
        principal = resolve_principal(
            role,
            dialect="postgresql" if url.startswith("postgresql") else "sqlite",
            session_user=self._session_user,
        )
        if sqlite_owned_by(url, principal.name) or not url.startswith(("sqlite", "postgresql")):
            # The database's owner acts in every role (no need to open it); a URL of
            # another kind opens no store at all, and says so in one line when tried.
            return principal
        from leadreview.audit.log import AuditLog
        from leadreview.workflow.logins import holds_role, refuse_role

        store = self.store()
        if not holds_role(store, principal.name, role):
            refuse_role(store, AuditLog(), principal.name, role, principal.authenticated_by)
        return principal

    def _session_user(self) -> str:
        from sqlalchemy import text

        with self.store().engine.connect() as connection:
            return str(connection.execute(text("SELECT session_user")).scalar_one())

    def close(self) -> None:
        """Release the store's connections (safe to call twice, or with nothing open)."""
        with self._lock:
            if self._store is not None:
                self._store.dispose()


def sqlite_owned_by(url: str, name: str) -> bool:
    """True if `url` is a SQLite file that `name` owns, or will own by creating it."""
    import os

    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return False
    path = url[len(prefix) :].split("?", 1)[0]
    if not path or path == ":memory:":
        return True
    if not os.path.exists(path):
        return True
    from leadreview.workflow.logins import file_owner

    return file_owner(path) == name


def bootstrap(settings: Settings | None = None, **overrides: Any) -> Application:
    """The application for this process; nothing is opened until it is asked for."""
    return Application(settings, **overrides)
