"""`replay --record`: write a batch run's searches, leads and verdicts to the audit log."""

from collections.abc import Sequence

from rich.console import Console

from leadreview.analysis.run_batch import COLLECTION_ID, ScenarioRun
from leadreview.domain.policy import LoadedPolicy
from leadreview.domain.roles import Actor, Role


def record_run(run: ScenarioRun, policies: Sequence[LoadedPolicy], console: Console) -> None:
    from leadreview.audit.log import AuditLog
    from leadreview.policy.loader import load_policies
    from leadreview.settings import load_settings
    from leadreview.store.store import open_store
    from leadreview.workflow.batch import record_batch, searches_from_result
    from leadreview.workflow.context import WorkflowContext
    from leadreview.workflow.policy_set import DEFAULT_POLICY, PolicySet

    settings = load_settings()
    loaded = list(policies)
    # The recorded searches run under the policy in force by default (the sheriff's
    # practice); the others are evaluated in the shadow.
    if all(p.name != DEFAULT_POLICY for p in loaded):
        loaded.extend(load_policies([DEFAULT_POLICY]))
    actor = Actor(name=settings.resolved_actor(), role=Role.ANALYST)
    store = open_store(settings)
    try:
        world = run.world
        recorded = record_batch(
            WorkflowContext(store=store, audit=AuditLog()),
            actor,
            PolicySet.of(loaded, DEFAULT_POLICY),
            searches_from_result(run.result, world.probes, world.gallery.external_image_id),
            label=f"replay {world.scenario.name} seed {world.seed}",
            use_case=world.scenario.use_case,
            collection_id=COLLECTION_ID,
            max_faces=int(run.result.positions.shape[1]),
        )
    finally:
        store.dispose()
    console.print(
        f"recorded batch run {recorded.batch_run_id}: {recorded.searches} searches, "
        f"{recorded.leads} leads, {recorded.verdicts} verdicts in {store.url}"
    )
