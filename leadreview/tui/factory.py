"""The terminal app's gateway, made from the composition root: the CLI (`tui`, `serve`)
and tests call this. Nothing is built at import time, and nothing here imports Textual."""

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from leadreview.domain.roles import Actor, Role
from leadreview.workflow.policy_set import DEFAULT_POLICY

if TYPE_CHECKING:
    # Type-only: these load SQLAlchemy, which the app's first paint does without.
    from leadreview.app.bootstrap import Application
    from leadreview.settings import Settings
    from leadreview.store.store import Store
    from leadreview.tui.demo import DemoWorld
    from leadreview.tui.service_gateway import GatewayParts, ServiceGateway


@dataclass(frozen=True)
class Session:
    gateway: "ServiceGateway"
    store: "Store"
    actor: Actor
    demo: "DemoWorld | None" = None


def _application(given: "Settings | Application", database_url: str | None) -> "Application":
    from leadreview.app.bootstrap import Application

    # Given settings (tests do), the session gets its own composition root.
    application = given if isinstance(given, Application) else Application(given)
    return application if database_url is None else application.with_database(database_url)


def gateway_parts(
    application: "Application",
    *,
    demo: bool = True,
    seed_demo: bool = True,
    in_force: str = DEFAULT_POLICY,
) -> "GatewayParts":
    """The store (schema upgraded), the workflow over it, and what the gateway needs.

    Records, pictures and ground truth come from the world of the exercise each case
    belongs to, rebuilt from its stored scenario. With `demo` and `seed_demo`, the bundled
    demo's exercise is started on first use if the database has no cases.
    """
    from leadreview.exercise.worlds import ExerciseWorlds
    from leadreview.policy.loader import load_bundled_policies
    from leadreview.tui.demo import DemoWorld, seed_demo_cases
    from leadreview.tui.service_gateway import GatewayParts
    from leadreview.workflow.policy_set import PolicySet
    from leadreview.workflow.service import ReviewWorkflow

    policies = PolicySet.of(load_bundled_policies(), in_force)
    ctx = application.workflow_context()
    worlds = ExerciseWorlds(ctx.store)
    world = DemoWorld(worlds=worlds) if demo else None
    workflow = ReviewWorkflow(ctx=ctx, policies=policies, gallery=worlds)
    prepare = None
    if world is not None and seed_demo:
        prepare = partial(seed_demo_cases, ctx, world)
    return GatewayParts(
        workflow=workflow,
        export_dir=application.settings.data_dir / "exports",
        report_dir=application.settings.data_dir / "reports",
        audit_context=application.audit_context(),
        pictures=worlds,
        prepare=prepare,
        demo=world,
    )


def lazy_gateway(
    application: "Application", *, demo: bool = True, seed_demo: bool = True
) -> "ServiceGateway":
    """The gateway for the app, opening the store in the first worker that needs it."""
    from leadreview.tui.service_gateway import ServiceGateway

    return ServiceGateway(partial(gateway_parts, application, demo=demo, seed_demo=seed_demo))


def open_session(
    settings: "Settings | Application",
    *,
    role: Role = Role.REVIEWER,
    database_url: str | None = None,
    demo: bool = True,
    seed_demo: bool = True,
    in_force: str = DEFAULT_POLICY,
) -> Session:
    """The store opened now, the gateway over it, and who acts (for `serve` and tests)."""
    from leadreview.tui.service_gateway import ServiceGateway

    application = _application(settings, database_url)
    parts = gateway_parts(application, demo=demo, seed_demo=seed_demo, in_force=in_force)
    actor = application.principal(role).actor
    return Session(
        gateway=ServiceGateway(parts), store=application.store(), actor=actor, demo=parts.demo
    )
