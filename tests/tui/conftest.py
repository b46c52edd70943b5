"""Fixtures for the app's tests: the real gateway over the demo exercise on a fixed clock
(snapshots and flows), the real services on a fresh database of each backend, and a
helper that waits for the app's workers."""

import asyncio
import contextlib
import functools
from collections.abc import Callable, Coroutine, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from leadreview.domain.roles import Actor, Role
from leadreview.settings import load_settings
from leadreview.tui.app import LeadReviewApp
from leadreview.tui.factory import Session, open_session
from leadreview.tui.gateway import ReviewGateway
from leadreview.tui.service_gateway import ServiceGateway

SIZE = (120, 40)
SAM = Actor(name="sam", role=Role.SUPERVISOR)
RAE = Actor(name="rae", role=Role.REVIEWER)
FAY = Actor(name="fay", role=Role.FACILITATOR)


# What the demo's snapshots show: every service and audit event reads this one moment,
# and events are stored under this login, so that times and digests never change.
DEMO_TIME = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
DEMO_LOGIN = "leadreview-test"


def demo_clock() -> datetime:
    return DEMO_TIME


@pytest.fixture
def demo(
    isolated_home: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Session]:
    """The real gateway (workflow, exercise and audit services) over a temporary SQLite
    store holding the bundled demo exercise, started on a fixed clock: deterministic
    enough for snapshots, and the path a user's session takes."""
    from leadreview.app.bootstrap import Application
    from leadreview.audit.log import os_login
    from leadreview.workflow import logins

    # The login stamped on every event (getpass reads LOGNAME first): the host's user
    # name would otherwise change the digests the audit screen shows. `os_login` is
    # cached per process, so an earlier test in the same worker would otherwise have
    # fixed it to whoever that test ran as: cleared here, and again after. The database
    # file is then owned, as far as the roles go, by that same login, as it is for a
    # user who created their own database.
    monkeypatch.setenv("LOGNAME", DEMO_LOGIN)
    os_login.cache_clear()
    monkeypatch.setattr(logins, "file_owner", lambda path: DEMO_LOGIN)
    application = Application(load_settings(), database_url=sqlite_url, clock=demo_clock)
    session = open_session(application, role=SAM.role)
    session.gateway.list_cases(FAY)  # starts the demo exercise
    yield session
    session.store.dispose()
    os_login.cache_clear()


@pytest.fixture
def real(isolated_home: Path, database_url: str) -> Iterator[Session]:
    """The real workflow and audit services on a fresh database (SQLite, and PostgreSQL
    when the server answers: the shared `database_url` fixture), with the demo's cases."""
    settings = load_settings()
    # The services in-process; tests pass explicit principals (SAM, RAE, FAY) per call.
    session = open_session(settings, database_url=database_url, role=SAM.role)
    yield session
    session.store.dispose()


def seat_in_demo(gateway: ServiceGateway, *people: Actor) -> int:
    """Start the demo's exercise (on first use), seat `people` in it and have the
    facilitator assign its cases round robin: a participant's queue holds only their
    assigned cases. The exercise's id."""
    from leadreview.exercise.service import ExerciseService

    gateway.list_cases(FAY)
    exercises = ExerciseService(gateway.workflow.ctx)
    exercise_id = exercises.current_exercise_id()
    for person in people:
        exercises.join(person, exercise_id)
    exercises.assign(FAY, exercise_id)
    return exercise_id


def make_app(gateway: ReviewGateway, actor: Actor = SAM, **kwargs: object) -> LeadReviewApp:
    return LeadReviewApp(gateway, actor, cursor_blink=False, **kwargs)  # type: ignore[arg-type]


async def settle(app: LeadReviewApp, pilot: Pilot[None]) -> None:
    """Wait until every worker has finished and its messages have been handled."""
    for _ in range(3):
        await pilot.pause()
        # An exclusive load replaced by a newer one is cancelled: that is the design.
        with contextlib.suppress(WorkerCancelled):
            await app.workers.wait_for_complete()
        await pilot.pause()


def sync(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async test on a fresh event loop (no async plugin needed); pytest still sees
    the test's own parameters, so fixtures work."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run
