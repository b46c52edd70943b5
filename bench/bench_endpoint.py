"""The Rekognition endpoint: SearchFacesByImage over loopback HTTP against the same search
in process, on 25,000 and 1,000,000 faces, and requests per second with 8 clients.

Every search through the endpoint is recorded (a case, its leads and every policy's
verdict, in SQLite with synchronous=FULL), so three figures are measured side by side on
the same collection in the same run:

- in process, the simulator's `search_faces_by_image` alone (no record);
- in process, the same search through the recorder (the workflow's `open_case`);
- over loopback: a boto3 client, SigV4 signing and verification, JSON, the recorder.

The round trip is reported against the recorded in-process call, so the ratio is what the
wire costs; p99 is reported as well. 25,000 faces is the aclu-2018 world; 1,000,000 is a
random unit-vector gallery of the same dimension (the search costs the same either way).
"""

import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from bench import BenchResult, tiny

_SEARCHES = {25_000: 200, 1_000_000: 40}
_CLIENTS = 8
_PER_CLIENT = 40


@contextmanager
def _environment() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="lr-bench-endpoint-") as folder:
        root = Path(folder)
        saved = dict(os.environ)
        os.environ.update(
            {
                "LEADREVIEW_CONFIG": str(root / "absent.toml"),
                "LEADREVIEW_DATA_DIR": str(root / "data"),
                "LEADREVIEW_DATABASE_URL": f"sqlite:///{root / 'data' / 'leadreview.db'}",
                "LEADREVIEW_SIGNING_KEY_PATH": str(root / "config" / "signing.key"),
            }
        )
        try:
            yield root
        finally:
            os.environ.clear()
            os.environ.update(saved)


def _probe(vector: np.ndarray) -> bytes:
    from PIL import Image

    from leadreview.search.probe_image import encode_probe_image

    return encode_probe_image(vector, Image.new("RGB", (160, 160), (128, 120, 110)), "PNG")


def _percentiles(action: Callable[[], object], count: int) -> tuple[float, float]:
    action()  # warm-up
    times = []
    for _ in range(count):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    p50, p99 = np.percentile(np.array(times), [50, 99])
    return float(p50), float(p99)


def _round_trips(size: int) -> list[BenchResult]:
    from leadreview.cli.acting import policy_set
    from leadreview.domain.roles import Actor, Role
    from leadreview.endpoint.build import EndpointOptions, build_server, simulated_collections
    from leadreview.endpoint.recording import CaseDefaults, SearchRecorder
    from leadreview.settings import load_settings
    from leadreview.store.store import open_store
    from leadreview.workflow.context import WorkflowContext

    with _environment():
        settings = load_settings()
        store = open_store(settings.resolved_database_url())
        collections = simulated_collections(settings)
        client = collections.client
        rng = np.random.default_rng(size)
        if size == 25_000:
            collections.seed_world("booking-photos", "aclu-2018", None)
            dims = client.describe_collection(CollectionId="booking-photos")
            del dims
        else:
            gallery = rng.standard_normal((size, 128), dtype=np.float32)
            gallery /= np.linalg.norm(gallery, axis=1, keepdims=True)
            client.create_collection(CollectionId="booking-photos")
            client.import_faces("booking-photos", gallery)
        vector = rng.standard_normal(128).astype(np.float32)
        image = _probe(vector / np.linalg.norm(vector))
        request = {
            "CollectionId": "booking-photos",
            "Image": {"Bytes": image},
            "MaxFaces": 5,
            "FaceMatchThreshold": 0.0,
        }
        from leadreview.audit.log import AuditLog
        from leadreview.endpoint.build import key_ring
        from leadreview.endpoint.key_admin import issue_key

        ctx = WorkflowContext(store=store, audit=AuditLog())
        key = issue_key(
            ctx,
            key_ring(settings),
            Actor(name="bench", role=Role.SUPERVISOR),
            Actor(name="bench-client", role=Role.INVESTIGATOR),
        )
        policies = policy_set(None, None)
        recorder = SearchRecorder(ctx, policies, CaseDefaults())
        actor = Actor(name="bench-client", role=Role.INVESTIGATOR)
        server = build_server(settings, store, policies, EndpointOptions(), collections)
        server.start_in_thread()
        try:
            remote = _client(server.url, key.key.access_key_id, key.secret_access_key)
            count = _SEARCHES[size]
            raw = _percentiles(lambda: client.search_faces_by_image(**request), count)
            recorded = _percentiles(
                lambda: recorder.search(
                    "SearchFacesByImage",
                    request,
                    actor=actor,
                    access_key_id="in-process",
                    client=client,
                ),
                count,
            )
            wire = _percentiles(lambda: remote.search_faces_by_image(**request), count)
            results = [
                BenchResult(
                    name=f"SearchFacesByImage p50 over loopback, {size:,} faces "
                    f"(in process unrecorded: {raw[0] * 1000:.3g} ms)",
                    value=wire[0] * 1000,
                    unit="ms",
                    baseline_name="in process, recorded",
                    baseline=recorded[0] * 1000,
                    target="ratio <= 2.0",
                    passed=tiny() or wire[0] <= 2 * recorded[0],
                ),
                BenchResult(
                    name=f"SearchFacesByImage p99 over loopback, {size:,} faces "
                    f"(in process unrecorded: {raw[1] * 1000:.3g} ms)",
                    value=wire[1] * 1000,
                    unit="ms",
                    baseline_name="in process, recorded",
                    baseline=recorded[1] * 1000,
                    target="ratio <= 3.0",
                    passed=tiny() or wire[1] <= 3 * recorded[1],
                ),
            ]
            if size == 25_000:
                results.append(_throughput(server.url, key, request, recorded[0]))
            return results
        finally:
            server.shutdown()
            server.server_close()
            store.dispose()


def _client(url: str, key_id: str, secret: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "rekognition",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )


def _throughput(url: str, key: Any, request: dict[str, Any], recorded_p50: float) -> BenchResult:
    clients = [_client(url, key.key.access_key_id, key.secret_access_key) for _ in range(_CLIENTS)]
    failures: list[BaseException] = []

    def work(client: Any) -> None:
        try:
            for _ in range(_PER_CLIENT):
                client.search_faces_by_image(**request)
        except BaseException as exc:  # reported below, not lost in a thread
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if failures:
        raise failures[0]
    rate = _CLIENTS * _PER_CLIENT / elapsed
    one_at_a_time = 1 / recorded_p50
    return BenchResult(
        name=f"SearchFacesByImage requests/s, {_CLIENTS} concurrent clients, 25,000 faces",
        value=rate,
        unit="req/s",
        baseline_name="one in-process recorded search at a time",
        baseline=one_at_a_time,
        target="ratio >= 0.5",
        passed=tiny() or rate >= 0.5 * one_at_a_time,
    )


def run() -> list[BenchResult]:
    return [*_round_trips(25_000), *_round_trips(1_000_000)]
