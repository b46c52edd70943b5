"""The endpoint as an adversary meets it: raw HTTP, signed correctly but saying nonsense,
signed for the wrong service or too long ago; and the CLI's one-line errors."""

import json
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.cli import run
from tests.support.endpoint import (
    Endpoint,
    events,
    send_raw,
)


def test_a_signed_request_that_says_nonsense_gets_the_services_answers(
    endpoint: Endpoint,
) -> None:
    assert send_raw(endpoint, b"{}")[0] == 200
    status, answer = send_raw(endpoint, b"{not json")
    assert (status, answer["__type"]) == (400, "SerializationException")
    status, answer = send_raw(endpoint, b"[1, 2]")
    assert answer["__type"] == "SerializationException"
    status, answer = send_raw(
        endpoint,
        json.dumps({"Image": {"Bytes": "!!! not base64"}}).encode(),
        target="RekognitionService.DetectFaces",
    )
    assert answer["__type"] == "SerializationException"
    status, answer = send_raw(endpoint, b"{}", target="RekognitionService.NoSuchThing")
    assert answer["__type"] == "UnknownOperationException"
    status, answer = send_raw(endpoint, b"{}", target="RekognitionService.CompareFaces")
    assert answer["__type"] == "UnknownOperationException"
    assert "face-collection operations" in answer["message"]
    status, answer = send_raw(endpoint, json.dumps({"MaxResults": "many"}).encode())
    assert (status, answer["__type"]) == (400, "ValidationException")
    status, answer = send_raw(
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
    status, answer = send_raw(endpoint, body)
    assert (status, answer["__type"]) == (400, "SerializationException")
    assert needle in answer["message"], answer
    assert send_raw(endpoint, b"{}")[0] == 200  # and the endpoint still answers


def test_signatures_for_another_service_or_time_are_refused(endpoint: Endpoint) -> None:
    status, answer = send_raw(endpoint, b"{}", service="s3")
    assert (status, answer["__type"]) == (400, "InvalidSignatureException")
    stale = datetime.now(UTC) - timedelta(minutes=20)
    status, answer = send_raw(endpoint, b"{}", when=stale)
    assert answer["__type"] == "InvalidSignatureException"
    assert "Signature expired" in answer["message"]
    status, answer = send_raw(endpoint, b"{}", sign=False)
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
