"""`replay --record`: write a batch run's searches, leads and verdicts to the audit log."""

from collections.abc import Sequence

from rich.console import Console

from leadreview.analysis.run_batch import COLLECTION_ID, ScenarioRun
from leadreview.domain.policy import LoadedPolicy
from leadreview.domain.roles import Role

# What the recorded searches were run under: the sheriff's practice, no threshold.
IN_FORCE = "wcso-practice"


def record_run(run: ScenarioRun, policies: Sequence[LoadedPolicy], console: Console) -> None:
    from leadreview.audit.log import AuditLog
    from leadreview.cli.context import application
    from leadreview.policy.loader import load_policies
    from leadreview.workflow.batch import record_batch, searches_from_result
    from leadreview.workflow.context import WorkflowContext
    from leadreview.workflow.policy_set import PolicySet

    loaded = list(policies)
    if all(p.name != IN_FORCE for p in loaded):
        loaded.extend(load_policies([IN_FORCE]))
    actor = application().principal(Role.ANALYST).actor
    store = application().store()
    try:
        world = run.world
        recorded = record_batch(
            WorkflowContext(store=store, audit=AuditLog()),
            actor,
            PolicySet.of(loaded, IN_FORCE),
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
