"""`replay --record`: write a batch run's searches, leads and verdicts to the audit log."""

from collections.abc import Sequence
from typing import TYPE_CHECKING

from leadreview.analysis.run_batch import COLLECTION_ID, ScenarioRun
from leadreview.domain.policy import LoadedPolicy
from leadreview.domain.roles import Actor

if TYPE_CHECKING:
    from leadreview.workflow.batch import BatchRecorded
    from leadreview.workflow.context import WorkflowContext
    from leadreview.workflow.policy_set import PolicySet

# What the recorded searches were run under: the sheriff's practice, no threshold.
IN_FORCE = "wcso-practice"


def with_policy_in_force(policies: Sequence[LoadedPolicy]) -> "PolicySet":
    """The policies asked for, plus the practice in force if it was not among them."""
    from leadreview.policy.loader import load_policies
    from leadreview.workflow.policy_set import PolicySet

    loaded = list(policies)
    if all(p.name != IN_FORCE for p in loaded):
        loaded.extend(load_policies([IN_FORCE]))
    return PolicySet.of(loaded, IN_FORCE)


def record_run(
    ctx: "WorkflowContext", actor: Actor, run: ScenarioRun, policies: Sequence[LoadedPolicy]
) -> "BatchRecorded":
    """One batch run: every search of `run` with its leads and every policy's verdict."""
    from leadreview.workflow.batch import record_batch, searches_from_result

    world = run.world
    return record_batch(
        ctx,
        actor,
        with_policy_in_force(policies),
        searches_from_result(run.result, world.probes, world.gallery.external_image_id),
        label=f"replay {world.scenario.name} seed {world.seed}",
        use_case=world.scenario.use_case,
        collection_id=COLLECTION_ID,
        max_faces=int(run.result.positions.shape[1]),
    )
