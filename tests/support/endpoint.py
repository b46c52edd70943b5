"""Shared helpers for the Rekognition endpoint tests (not a test module): a small world, its
probe images, an endpoint served on a free loopback port in a thread, and clients."""

import http.client
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from PIL import Image

from leadreview.domain.roles import Actor, Role
from leadreview.endpoint.access_keys import IssuedKey
from leadreview.endpoint.build import (
    EndpointOptions,
    build_server,
    key_ring,
    simulated_collections,
)
from leadreview.endpoint.key_admin import issue_key
from leadreview.endpoint.server import EndpointServer
from leadreview.settings import Settings
from leadreview.store.store import Store

SMALL_WORLD_SIZE = 2000
COLLECTION = "booking-photos"


def write_small_scenario(directory: Path) -> Path:
    """A scenario like wcso-cctv with a 2,000-face gallery, so tests build it in a blink."""
    path = directory / "small-world.yaml"
    path.write_text(
        "\n".join(
            [
                "name: small-world",
                'title: "a small booking gallery for endpoint tests"',
                "sources: ['test fixture']",
                "seed: 7",
                "gallery:",
                f"  size: {SMALL_WORLD_SIZE}",
                "  group_mix: {white: 0.6, black: 0.2, hispanic: 0.2}",
                "  female_share: 0.3",
                "probes:",
                "  count: 10",
                "  quality: portrait",
                "  mated_fraction: 1.0",
                "  source: 'test still (synthetic)'",
                "use_case: investigation",
                "max_faces: 5",
                "policies: [wcso-practice, rekognition-default, amazon-police-95]",
                "",
            ]
        )
    )
    return path


def probe_png(scenario: Path, index: int) -> tuple[bytes, str]:
    """Probe `index` of the scenario's world as a PNG, and its mate's ExternalImageId."""
    from leadreview.endpoint.build import load_world
    from leadreview.search.probe_image import encode_probe_image
    from leadreview.simulation.face_renderer import render_face

    world = load_world(str(scenario), None)
    embedding = world.probe_embeddings[index]
    pixels = render_face(embedding, world.probes[index].quality, 160)
    mate = int(world.truth.mate_index[index])
    return encode_probe_image(embedding, pixels, "PNG"), world.gallery.external_image_id(mate)


def plain_png(side: int = 120) -> bytes:
    """A picture with no face descriptor: what a real photograph is to the simulator."""
    buffer = io.BytesIO()
    Image.new("RGB", (side, side), (200, 180, 160)).save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class Endpoint:
    server: EndpointServer
    url: str
    key: IssuedKey
    settings: Settings
    store: Store

    def client(
        self, *, secret: str | None = None, key_id: str | None = None, retries: int = 1
    ) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "rekognition",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id=key_id or self.key.key.access_key_id,
            aws_secret_access_key=secret or self.key.secret_access_key,
            config=Config(retries={"mode": "standard", "total_max_attempts": retries}),
        )


def issue(
    settings: Settings, store: Store, principal: str, role: Role = Role.INVESTIGATOR
) -> IssuedKey:
    from leadreview.audit.log import AuditLog
    from leadreview.workflow.context import WorkflowContext

    ctx = WorkflowContext(store=store, audit=AuditLog())
    return issue_key(
        ctx,
        key_ring(settings),
        Actor(name="sam", role=Role.SUPERVISOR),
        Actor(name=principal, role=role),
    )


def start_endpoint(
    settings: Settings,
    store: Store,
    key: IssuedKey,
    *,
    options: EndpointOptions | None = None,
    world: Path | None = None,
) -> EndpointServer:
    from leadreview.cli.acting import policy_set

    options = options or EndpointOptions()
    collections = None
    if options.upstream_client is None:
        collections = simulated_collections(settings)
        if world is not None:
            collections.seed_world(COLLECTION, str(world), None)
    server = build_server(settings, store, policy_set(None, None), options, collections)
    server.start_in_thread()
    return server


def events(store: Store, event_type: str | None = None) -> list[Any]:
    from leadreview.audit.log import AuditLog

    with store.reading() as session:
        return AuditLog.events(session, event_type=event_type)


def send_raw(
    endpoint: Endpoint,
    body: bytes,
    *,
    target: str = "RekognitionService.ListCollections",
    service: str = "rekognition",
    when: datetime | None = None,
    method: str = "POST",
    sign: bool = True,
) -> tuple[int, dict]:  # type: ignore[type-arg]
    """One raw HTTP request to the endpoint, signed by hand (or not, or at `when`), and
    its status and JSON answer: what an adversary sends, not what boto3 would."""
    host = urlsplit(endpoint.url).netloc
    request = AWSRequest(
        method=method,
        url=f"{endpoint.url}/",
        data=body,
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": target,
            "Host": host,
        },
    )
    if sign:
        # Signed by hand with botocore's signer, at `when` (default: now).
        signer = SigV4Auth(
            Credentials(endpoint.key.key.access_key_id, endpoint.key.secret_access_key),
            service,
            "us-east-1",
        )
        stamp = (when or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
        request.headers["X-Amz-Date"] = stamp
        request.context["timestamp"] = stamp
        canonical = signer.canonical_request(request)
        signature = signer.signature(signer.string_to_sign(request, canonical), request)
        signed = signer.signed_headers(signer.headers_to_sign(request))
        request.headers["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={endpoint.key.key.access_key_id}/"
            f"{signer.credential_scope(request)}, SignedHeaders={signed}, Signature={signature}"
        )
    connection = http.client.HTTPConnection(host, timeout=30)
    try:
        connection.request(method, "/", body=body, headers=dict(request.headers.items()))
        response = connection.getresponse()
        answer = json.loads(response.read() or b"{}")
        assert response.getheader("x-amzn-RequestId")
        return response.status, answer
    finally:
        connection.close()
