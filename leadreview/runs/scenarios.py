"""A scenario, as the commands ask for it: its world under a seed, its batches prepared
with overrides, the policies to apply, and its gallery loaded into a collection."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from leadreview.analysis.batch_source import PreparedScenario
    from leadreview.domain.policy import LoadedPolicy
    from leadreview.search.protocol import FaceSearchClient
    from leadreview.simulation.world import World


def scenario_world(scenario: str, seed: int | None) -> "World":
    """The scenario's world under `seed`: the same gallery and probes every time."""
    from leadreview.simulation.scenario import load_scenario
    from leadreview.simulation.score_model import load_score_model
    from leadreview.simulation.world import build_world

    return build_world(load_scenario(scenario), load_score_model(), seed=seed)


def load_scenario_gallery(
    client: "FaceSearchClient", collection_id: str, scenario: str, seed: int | None
) -> None:
    """Create the simulated collection and import the scenario world's gallery into it."""
    from leadreview.search.collections import load_gallery
    from leadreview.search.simulated import SimulatedRekognition

    if not isinstance(client, SimulatedRekognition):
        raise TypeError("only the simulated backend takes a generated gallery")
    load_gallery(client, collection_id, scenario_world(scenario, seed).gallery)


def prepare_scenario(
    scenario: str,
    seed: int | None,
    seeds: int,
    gallery_size: int | None,
    probes: int | None,
    *,
    gallery_seed: int | None = None,
    cluster: str | None = None,
) -> "PreparedScenario":
    from leadreview.analysis.batch_source import ScenarioRequest, prepare

    return prepare(
        ScenarioRequest(scenario, seed, seeds, gallery_size, probes, gallery_seed, cluster)
    )


def policies_for(prepared: "PreparedScenario", refs: list[str] | None) -> list["LoadedPolicy"]:
    """The policies named (default: the scenario's own)."""
    from leadreview.policy.loader import load_policies

    return load_policies(refs or list(prepared.scenario.policies))
