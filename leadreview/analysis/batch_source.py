"""A scenario and its overrides, turned into one `SearchBatch` per seed.

The comparison, the sweep and the report all start here, so `--seed`, `--seeds`,
`--gallery-size` and `--probes` mean the same thing to each of them. Batches are made
lazily, one seed at a time: a caller reduces each to counts before the next is built.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from leadreview.analysis.batch import SearchBatch
from leadreview.domain.policy import UseCase
from leadreview.errors import LeadreviewError
from leadreview.simulation.scenario import Scenario, load_scenario


@dataclass(frozen=True)
class ScenarioRequest:
    scenario: str  # a bundled scenario's name or a file
    seed: int | None = None  # the first seed; the scenario's own when None
    seeds: int = 1
    gallery_size: int | None = None
    probes: int | None = None


@dataclass(frozen=True)
class PreparedScenario:
    scenario: Scenario
    seeds: list[int]

    @property
    def use_case(self) -> UseCase:
        return self.scenario.use_case


def _with_overrides(scenario: Scenario, request: ScenarioRequest) -> Scenario:
    data = scenario.model_dump(mode="json")
    if request.gallery_size is not None:
        data["gallery"]["size"] = request.gallery_size
    if request.probes is not None:
        data["probes"]["count"] = request.probes
    from pydantic import ValidationError

    try:
        # Re-validated, so an override outside the scenario's limits is refused.
        return Scenario.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise LeadreviewError(f"override of {field}: {first['msg']}") from None


def prepare(request: ScenarioRequest) -> PreparedScenario:
    if request.seeds < 1:
        raise LeadreviewError(f"--seeds must be at least 1, not {request.seeds}")
    scenario = _with_overrides(load_scenario(request.scenario), request)
    first = scenario.seed if request.seed is None else request.seed
    return PreparedScenario(scenario, [first + i for i in range(request.seeds)])


def scenario_batches(prepared: PreparedScenario) -> Iterator[tuple[int, SearchBatch]]:
    """Run the scenario's searches once per seed (no threshold, `max_faces` leads each)."""
    from leadreview.analysis.run_batch import run_scenario
    from leadreview.simulation.score_model import load_score_model

    model = load_score_model()  # read once, shared by every seed
    for seed in prepared.seeds:
        yield seed, run_scenario(prepared.scenario, seed=seed, model=model).batch
