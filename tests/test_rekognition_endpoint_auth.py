"""Who may talk to the endpoint: SigV4 as AWS verifies it, keys issued and revoked on the
record, a key file edited behind the endpoint's back, throttling, and restarts."""

import json
from pathlib import Path

import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from leadreview.domain.roles import Role
from leadreview.endpoint.build import EndpointOptions, key_ring
from tests.case_cli_support import cli_env
from tests.endpoint_support import (
    COLLECTION,
    Endpoint,
    endpoint,
    events,
    issue,
    probe_png,
    start_endpoint,
    write_small_scenario,
)

__all__ = ["cli_env", "endpoint"]  # fixtures


def _code(info: pytest.ExceptionInfo[ClientError]) -> str:
    return str(info.value.response["Error"]["Code"])


def test_a_wrong_secret_is_refused_as_an_invalid_signature(endpoint: Endpoint) -> None:
    with pytest.raises(ClientError) as refused:
        endpoint.client(secret="x" * 40).list_collections()
    assert _code(refused) == "InvalidSignatureException"


def test_an_unknown_key_and_an_unsigned_request_are_unrecognised(endpoint: Endpoint) -> None:
    with pytest.raises(ClientError) as unknown:
        endpoint.client(key_id="LRIANOSUCHKEY0000000").list_collections()
    assert _code(unknown) == "UnrecognizedClientException"
    import boto3

    unsigned = boto3.client(
        "rekognition",
        endpoint_url=endpoint.url,
        region_name="us-east-1",
        config=Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1}),
    )
    with pytest.raises(ClientError) as anonymous:
        unsigned.list_collections()
    assert _code(anonymous) == "UnrecognizedClientException"


def test_a_signed_body_that_was_changed_in_transit_is_refused(endpoint: Endpoint) -> None:
    client = endpoint.client()

    def tamper(request, **_: object) -> None:  # type: ignore[no-untyped-def]
        request.body = json.dumps({"MaxResults": 2}).encode()  # after signing

    client.meta.events.register_last("before-send.rekognition.ListCollections", tamper)
    with pytest.raises(ClientError) as refused:
        client.list_collections(MaxResults=1)
    assert _code(refused) == "InvalidSignatureException"


def test_a_revoked_key_stops_working_without_a_restart(endpoint: Endpoint) -> None:
    from leadreview.audit.log import AuditLog
    from leadreview.domain.roles import Actor
    from leadreview.endpoint.key_admin import revoke_key
    from leadreview.workflow.context import WorkflowContext

    client = endpoint.client()
    assert client.list_collections()["CollectionIds"] == [COLLECTION]
    ctx = WorkflowContext(store=endpoint.store, audit=AuditLog())
    key_id = endpoint.key.key.access_key_id
    revoke_key(ctx, key_ring(endpoint.settings), Actor(name="sam", role=Role.SUPERVISOR), key_id)
    with pytest.raises(ClientError) as refused:
        client.list_collections()
    assert _code(refused) == "UnrecognizedClientException"
    (issued,) = events(endpoint.store, "access_key.issued")
    (revoked,) = events(endpoint.store, "access_key.revoked")
    for event in (issued, revoked):
        assert (event.actor, event.role) == ("sam", "supervisor")
        assert event.payload["access_key_id"] == key_id
        assert endpoint.key.secret_access_key not in json.dumps(event.payload)


def test_a_key_file_edited_to_name_someone_else_is_refused(endpoint: Endpoint) -> None:
    path = key_ring(endpoint.settings).keys_file
    document = json.loads(path.read_text())
    document["keys"][0]["principal"] = "mallory"
    document["keys"][0]["role"] = "supervisor"
    path.write_text(json.dumps(document))
    with pytest.raises(ClientError) as refused:
        endpoint.client().list_collections()
    assert _code(refused) == "UnrecognizedClientException"


def test_only_a_supervisor_issues_keys_and_a_refusal_is_recorded(endpoint: Endpoint) -> None:
    from leadreview.audit.log import AuditLog
    from leadreview.domain.roles import Actor
    from leadreview.endpoint.key_admin import issue_key
    from leadreview.errors import PermissionRefused
    from leadreview.workflow.context import WorkflowContext

    ctx = WorkflowContext(store=endpoint.store, audit=AuditLog())
    before = key_ring(endpoint.settings).snapshot()
    with pytest.raises(PermissionRefused):
        issue_key(
            ctx,
            key_ring(endpoint.settings),
            Actor(name="ivan", role=Role.INVESTIGATOR),
            Actor(name="ivan", role=Role.SUPERVISOR),
        )
    assert key_ring(endpoint.settings).snapshot() == before
    (refusal,) = events(endpoint.store, "permission.refused")
    assert refusal.payload["action"] == "manage-access-keys"


def test_the_secret_is_stored_encrypted_and_owner_only(endpoint: Endpoint) -> None:
    ring = key_ring(endpoint.settings)
    text = ring.keys_file.read_text()
    assert endpoint.key.secret_access_key not in text
    assert ring.keys_file.stat().st_mode & 0o077 == 0


def test_a_search_by_a_role_that_may_not_search_is_refused_and_recorded(
    endpoint: Endpoint, tmp_path: Path
) -> None:
    auditor = issue(endpoint.settings, endpoint.store, "alice", Role.AUDITOR)
    client = endpoint.client(key_id=auditor.key.access_key_id, secret=auditor.secret_access_key)
    image, _ = probe_png(write_small_scenario(tmp_path), 0)
    with pytest.raises(ClientError) as refused:
        client.search_faces_by_image(CollectionId=COLLECTION, Image={"Bytes": image})
    assert _code(refused) == "AccessDeniedException"
    (refusal,) = events(endpoint.store, "permission.refused")
    assert (refusal.actor, refusal.role) == ("alice", "auditor")
    assert events(endpoint.store, "case.opened") == []


def test_over_the_configured_rate_requests_are_throttled(cli_env: str, tmp_path: Path) -> None:
    from leadreview.settings import load_settings
    from leadreview.store.store import open_store

    settings = load_settings()
    store = open_store(settings.resolved_database_url())
    key = issue(settings, store, "ivan")
    server = start_endpoint(settings, store, key, options=EndpointOptions(max_rate=2))
    try:
        endpoint = Endpoint(server=server, url=server.url, key=key, settings=settings, store=store)
        client = endpoint.client(retries=1)
        codes = []
        for _ in range(6):
            try:
                client.list_collections()
                codes.append("ok")
            except ClientError as exc:
                codes.append(exc.response["Error"]["Code"])
        assert codes[:2] == ["ok", "ok"]
        assert "ThrottlingException" in codes
    finally:
        server.shutdown()
        server.server_close()
        store.dispose()


def test_collections_and_faces_survive_a_restart(endpoint: Endpoint, tmp_path: Path) -> None:
    rek = endpoint.client()
    rek.create_collection(CollectionId="kept", Tags={"unit": "east"})
    scenario = write_small_scenario(tmp_path)
    for n in range(3):
        image, _ = probe_png(scenario, n)
        rek.index_faces(CollectionId="kept", Image={"Bytes": image}, ExternalImageId=f"p{n}")
    first = rek.list_faces(CollectionId="kept")["Faces"]
    rek.delete_faces(CollectionId="kept", FaceIds=[first[1]["FaceId"]])
    before = rek.list_faces(CollectionId="kept")["Faces"]
    described = rek.describe_collection(CollectionId="kept")
    endpoint.server.shutdown()
    endpoint.server.server_close()

    again = start_endpoint(endpoint.settings, endpoint.store, endpoint.key, world=scenario)
    try:
        restarted = Endpoint(
            server=again,
            url=again.url,
            key=endpoint.key,
            settings=endpoint.settings,
            store=endpoint.store,
        )
        rek = restarted.client()
        assert rek.list_faces(CollectionId="kept")["Faces"] == before
        after = rek.describe_collection(CollectionId="kept")
        assert after["CreationTimestamp"] == described["CreationTimestamp"]
        assert after["FaceCount"] == 2
        assert sorted(rek.list_collections()["CollectionIds"]) == [COLLECTION, "kept"]
    finally:
        again.shutdown()
        again.server_close()
        endpoint.server = again  # the fixture's shutdown runs on a stopped server: harmless


def test_a_journal_edited_behind_the_endpoints_back_stops_the_restart(
    endpoint: Endpoint, tmp_path: Path
) -> None:
    from leadreview.endpoint.build import endpoint_dir, simulated_collections
    from leadreview.errors import ConfigurationError

    rek = endpoint.client()
    rek.create_collection(CollectionId="kept")
    image, _ = probe_png(write_small_scenario(tmp_path), 0)
    rek.index_faces(CollectionId="kept", Image={"Bytes": image})
    journal = endpoint_dir(endpoint.settings) / "collections" / "kept.jsonl"
    lines = journal.read_text().splitlines()
    entry = json.loads(lines[1])
    entry["face_id"] = "00000000-0000-0000-0000-000000000000"  # a face that never indexed
    journal.write_text("\n".join([lines[0], json.dumps(entry)]) + "\n")
    with pytest.raises(ConfigurationError, match=r"kept\.jsonl.*no longer indexes"):
        simulated_collections(endpoint.settings)
