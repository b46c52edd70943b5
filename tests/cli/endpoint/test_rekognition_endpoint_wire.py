"""The endpoint as an adversary meets it: raw HTTP, signed correctly but saying nonsense,
signed for the wrong service or too long ago; and the CLI's one-line errors."""

import http.client
import json
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.support.cli import run
from tests.support.endpoint import (
    Endpoint,
    events,
)


def _send(
    endpoint: Endpoint,
    body: bytes,
    *,
    target: str = "RekognitionService.ListCollections",
    service: str = "rekognition",
    when: datetime | None = None,
    method: str = "POST",
    sign: bool = True,
) -> tuple[int, dict]:  # type: ignore[type-arg]
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


def test_a_signed_request_that_says_nonsense_gets_the_services_answers(
    endpoint: Endpoint,
) -> None:
    assert _send(endpoint, b"{}")[0] == 200
    status, answer = _send(endpoint, b"{not json")
    assert (status, answer["__type"]) == (400, "SerializationException")
    status, answer = _send(endpoint, b"[1, 2]")
    assert answer["__type"] == "SerializationException"
    status, answer = _send(
        endpoint,
        json.dumps({"Image": {"Bytes": "!!! not base64"}}).encode(),
        target="RekognitionService.DetectFaces",
    )
    assert answer["__type"] == "SerializationException"
    status, answer = _send(endpoint, b"{}", target="RekognitionService.NoSuchThing")
    assert answer["__type"] == "UnknownOperationException"
    status, answer = _send(endpoint, b"{}", target="RekognitionService.CompareFaces")
    assert answer["__type"] == "UnknownOperationException"
    assert "face-collection operations" in answer["message"]
    status, answer = _send(endpoint, json.dumps({"MaxResults": "many"}).encode())
    assert (status, answer["__type"]) == (400, "ValidationException")
    status, answer = _send(
        endpoint,
        json.dumps({"CollectionId": "a b c"}).encode(),
        target="RekognitionService.DescribeCollection",
    )
    assert answer["__type"] == "ValidationException"
    assert "regular expression pattern" in answer["message"]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"[" * 50_000 + b"]" * 50_000, "nested more than 64 levels deep"),
        (b'{"MaxResults": ' + b"9" * 5_000 + b"}", "a number of 5000 digits"),
        (b'{"MaxResults": NaN}', "NaN is not JSON"),
        (b'{"MaxResults": 1e999}', "beyond the range of a float"),
    ],
    ids=["deep", "long-integer", "nan", "infinite"],
)
def test_a_hostile_body_is_a_serialization_error(
    endpoint: Endpoint, body: bytes, needle: str
) -> None:
    """Request bodies go through the bounded JSON parser: a body that would overflow the
    parser's stack or convert an absurd number is the service's own 400."""
    status, answer = _send(endpoint, body)
    assert (status, answer["__type"]) == (400, "SerializationException")
    assert needle in answer["message"], answer
    assert _send(endpoint, b"{}")[0] == 200  # and the endpoint still answers


def test_signatures_for_another_service_or_time_are_refused(endpoint: Endpoint) -> None:
    status, answer = _send(endpoint, b"{}", service="s3")
    assert (status, answer["__type"]) == (400, "InvalidSignatureException")
    stale = datetime.now(UTC) - timedelta(minutes=20)
    status, answer = _send(endpoint, b"{}", when=stale)
    assert answer["__type"] == "InvalidSignatureException"
    assert "Signature expired" in answer["message"]
    status, answer = _send(endpoint, b"{}", sign=False)
    assert answer["__type"] == "UnrecognizedClientException"


def test_an_oversized_body_is_refused_unread(endpoint: Endpoint) -> None:
    host = urlsplit(endpoint.url).netloc
    with socket.create_connection(tuple(host.rsplit(":", 1)), timeout=30) as raw:  # type: ignore[arg-type]
        raw.sendall(
            b"POST / HTTP/1.1\r\nHost: " + host.encode() + b"\r\nContent-Length: 999999999\r\n\r\n"
        )
        reply = raw.recv(4096).decode()
    assert reply.startswith("HTTP/1.1 413")
    assert "RequestEntityTooLargeException" in reply


def test_a_searchless_day_writes_nothing_for_reads(endpoint: Endpoint) -> None:
    client = endpoint.client()
    client.list_collections()
    client.describe_collection(CollectionId="booking-photos")
    assert events(endpoint.store, "rekognition.collection_changed") == []
    assert events(endpoint.store, "case.opened") == []


def test_serve_on_a_busy_port_is_one_line(cli_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run(capsys, "rekognition", "serve", "--port", str(port))
    line = result.one_error_line()
    assert f"--port {port}" in line and "cannot listen" in line


def test_unknown_world_and_unknown_key_are_one_line(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-such-world.yaml"
    assert (
        "no-such-world"
        in run(capsys, "rekognition", "serve", "--world", str(missing)).one_error_line()
    )
    assert (
        "LRIANOSUCH" in run(capsys, "rekognition", "keys", "revoke", "LRIANOSUCH").one_error_line()
    )
    refused = run(capsys, "rekognition", "keys", "add", "ivan", "--my-role", "investigator")
    assert "manage-access-keys" in refused.one_error_line()
