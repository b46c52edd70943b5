"""Putting the endpoint together from settings: where its files live, which backend it
serves, and the workflow it records through."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from leadreview.endpoint.access_keys import KeyRing
from leadreview.endpoint.recording import CaseDefaults

if TYPE_CHECKING:
    from leadreview.endpoint.collections import PersistentCollections
    from leadreview.endpoint.server import EndpointServer
    from leadreview.search.simulated import SimulatedRekognition
    from leadreview.settings import Settings
    from leadreview.store.store import Store
    from leadreview.workflow.policy_set import PolicySet

DEFAULT_COLLECTION = "booking-photos"


@dataclass(frozen=True)
class EndpointOptions:
    host: str = "127.0.0.1"
    port: int = 0
    upstream_client: Any | None = None  # a boto3 rekognition client: forward to AWS
    max_rate: float | None = None  # requests per second per access key
    case_defaults: CaseDefaults = field(default_factory=CaseDefaults)


def endpoint_dir(settings: "Settings") -> Path:
    return settings.data_dir / "rekognition"


def key_ring(settings: "Settings") -> KeyRing:
    """Keys in the data directory; the key that encrypts their secrets beside the
    checkpoint signing key (the config directory), never next to what it protects."""
    return KeyRing(
        endpoint_dir(settings) / "access-keys.json",
        settings.resolved_signing_key_path().parent / "rekognition-access-keys.key",
    )


def simulated_collections(settings: "Settings") -> "PersistentCollections":
    """The simulator, with the collections saved in the data directory restored."""
    from leadreview.endpoint.collections import PersistentCollections
    from leadreview.simulation.score_model import load_score_model

    model = load_score_model()

    def make_client(clock: Any) -> "SimulatedRekognition":
        from leadreview.search.simulated import SimulatedRekognition

        return SimulatedRekognition(
            model.similarity,
            dimension=model.dims,
            region_name=settings.aws.region or "us-east-1",
            clock=clock,
        )

    return PersistentCollections(endpoint_dir(settings) / "collections", make_client, load_world)


def load_world(scenario: str, seed: int | None) -> Any:
    """A scenario's world (deterministic for a scenario and seed)."""
    from leadreview.simulation.scenario import load_scenario
    from leadreview.simulation.score_model import load_score_model
    from leadreview.simulation.world import build_world

    return build_world(load_scenario(scenario), load_score_model(), seed=seed)


def build_server(
    settings: "Settings",
    store: "Store",
    policies: "PolicySet",
    options: EndpointOptions,
    collections: "PersistentCollections | None" = None,
    clock: "Any | None" = None,
) -> "EndpointServer":
    """A bound, not yet serving, server. `collections` is required without an upstream."""
    from leadreview.audit.log import AuditLog
    from leadreview.endpoint.backends import Backend, SimulatedBackend, UpstreamBackend
    from leadreview.endpoint.recording import SearchRecorder
    from leadreview.endpoint.server import EndpointServer
    from leadreview.endpoint.service import EndpointService
    from leadreview.endpoint.throttle import RateLimiter
    from leadreview.workflow.context import WorkflowContext, utc_now

    backend: Backend
    if options.upstream_client is not None:
        backend = UpstreamBackend(options.upstream_client)
    else:
        assert collections is not None
        backend = SimulatedBackend(collections)
    ctx = WorkflowContext(store=store, audit=AuditLog(), clock=clock or utc_now)
    service = EndpointService(
        backend=backend,
        keys=key_ring(settings),
        ctx=ctx,
        recorder=SearchRecorder(ctx, policies, options.case_defaults),
        limiter=None if options.max_rate is None else RateLimiter(options.max_rate),
    )
    return EndpointServer((options.host, options.port), service)
