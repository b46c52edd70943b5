"""Unmodified clients against the endpoint: the AWS CLI from the venv, leadreview's own
`case open --backend rekognition`, the `serve` command as a real process, and
`--upstream aws` forwarding to Rekognition (botocore's Stubber on the upstream client)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from leadreview.search.response_shapes import validate_response
from tests import rekognition_shapes as shapes
from tests.case_cli_support import cli_env, run
from tests.endpoint_support import (
    COLLECTION,
    Endpoint,
    endpoint,
    events,
    issue,
    plain_png,
    probe_png,
    start_endpoint,
    write_small_scenario,
)

__all__ = ["cli_env", "endpoint"]  # fixtures

_AWS = Path(sys.executable).with_name("aws")


def _aws(endpoint: Endpoint, tmp_path: Path, *args: str) -> dict:  # type: ignore[type-arg]
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": endpoint.key.key.access_key_id,
        "AWS_SECRET_ACCESS_KEY": endpoint.key.secret_access_key,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "absent-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "absent-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    done = subprocess.run(
        [str(_AWS), "rekognition", *args, "--endpoint-url", endpoint.url, "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout) if done.stdout.strip() else {}


@pytest.mark.skipif(not _AWS.exists(), reason="awscli is a dev dependency: make setup")
def test_the_aws_cli_runs_its_collection_workflow(endpoint: Endpoint, tmp_path: Path) -> None:
    created = _aws(endpoint, tmp_path, "create-collection", "--collection-id", "cli")
    validate_response("CreateCollection", created)
    scenario = write_small_scenario(tmp_path)
    probe = tmp_path / "probe.png"
    for n in range(3):
        image, _ = probe_png(scenario, n)
        probe.write_bytes(image)
        indexed = _aws(
            endpoint,
            tmp_path,
            "index-faces",
            "--collection-id",
            "cli",
            "--image-bytes",
            f"fileb://{probe}",
            "--external-image-id",
            f"p{n}",
        )
        validate_response("IndexFaces", indexed)
    image, _ = probe_png(scenario, 1)
    probe.write_bytes(image)
    found = _aws(
        endpoint,
        tmp_path,
        "search-faces-by-image",
        "--collection-id",
        "cli",
        "--image-bytes",
        f"fileb://{probe}",
    )
    validate_response("SearchFacesByImage", found)
    assert found["FaceMatches"][0]["Face"]["ExternalImageId"] == "p1"

    # The CLI pages with the service's NextToken (--page-size) and with its own (--max-items).
    paged = _aws(endpoint, tmp_path, "list-faces", "--collection-id", "cli", "--page-size", "1")
    validate_response("ListFaces", paged)
    assert [f["ExternalImageId"] for f in paged["Faces"]] == ["p0", "p1", "p2"]
    head = _aws(endpoint, tmp_path, "list-faces", "--collection-id", "cli", "--max-items", "2")
    tail = _aws(
        endpoint,
        tmp_path,
        "list-faces",
        "--collection-id",
        "cli",
        "--max-items",
        "2",
        "--starting-token",
        head["NextToken"],
    )
    assert [f["ExternalImageId"] for f in head["Faces"] + tail["Faces"]] == ["p0", "p1", "p2"]

    deleted = _aws(endpoint, tmp_path, "delete-collection", "--collection-id", "cli")
    validate_response("DeleteCollection", deleted)
    (recorded,) = events(endpoint.store, "search.recorded")
    assert recorded.actor == "ivan"
    changes = events(endpoint.store, "rekognition.collection_changed")
    assert [e.payload["operation"] for e in changes] == [
        "CreateCollection",
        "IndexFaces",
        "IndexFaces",
        "IndexFaces",
        "DeleteCollection",
    ]


def test_case_open_with_the_rekognition_backend_over_the_wire(
    endpoint: Endpoint,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LEADREVIEW_AWS__ENDPOINT_URL", endpoint.url)
    monkeypatch.setenv("LEADREVIEW_AWS__REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", endpoint.key.key.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", endpoint.key.secret_access_key)
    image, mate = probe_png(write_small_scenario(tmp_path), 3)
    probe = tmp_path / "probe.png"
    probe.write_bytes(image)
    result = run(
        capsys,
        "case",
        "open",
        "--backend",
        "rekognition",
        "--collection",
        COLLECTION,
        "--image",
        str(probe),
        "--offense",
        "burglary",
        "--quality",
        "portrait",
    )
    assert result.code == 0, result.err
    assert mate in result.out
    opened = events(endpoint.store, "case.opened")
    recorded = events(endpoint.store, "search.recorded")
    # The app's case (the OS user 'ivy') and the endpoint's (the key's principal 'ivan').
    assert sorted(e.actor for e in opened) == ["ivan", "ivy"]
    by_actor = {e.actor: e.payload for e in recorded}
    app_leads = [lead["face_id"] for lead in by_actor["ivy"]["leads"]]
    endpoint_leads = [lead["face_id"] for lead in by_actor["ivan"]["leads"]]
    assert app_leads == endpoint_leads and app_leads
    assert by_actor["ivy"]["leads"][0]["external_image_id"] == mate
    assert all(len(lead["verdicts"]) >= 4 for lead in by_actor["ivy"]["leads"])

    probe.write_bytes(plain_png())
    refused = run(
        capsys,
        "case",
        "open",
        "--backend",
        "rekognition",
        "--collection",
        COLLECTION,
        "--image",
        str(probe),
        "--offense",
        "burglary",
    )
    assert "InvalidParameterException" in refused.one_error_line()
    assert {e.actor for e in events(endpoint.store, "search.failed")} == {"ivan", "ivy"}


def test_serve_runs_as_a_process_and_keys_come_from_the_cli(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    added = run(capsys, "rekognition", "keys", "add", "ivan")
    assert added.code == 0, added.err
    values = dict(line.split(" = ") for line in added.out.splitlines())
    listed = run(capsys, "rekognition", "keys", "list")
    assert values["aws_access_key_id"] in listed.out
    assert values["aws_secret_access_key"] not in listed.out
    scenario = write_small_scenario(tmp_path)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "leadreview",
            "rekognition",
            "serve",
            "--port",
            "0",
            "--world",
            str(scenario),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), process.stderr.read() if process.stderr else ""
        import boto3

        rek = boto3.client(
            "rekognition",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id=values["aws_access_key_id"],
            aws_secret_access_key=values["aws_secret_access_key"],
        )
        image, mate = probe_png(scenario, 0)
        found = rek.search_faces_by_image(CollectionId=COLLECTION, Image={"Bytes": image})
        assert found["FaceMatches"][0]["Face"]["ExternalImageId"] == mate
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0  # SIGTERM is a clean stop


def test_upstream_aws_forwards_and_records_the_same_way(cli_env: str, tmp_path: Path) -> None:
    import boto3
    from botocore.exceptions import ClientError
    from botocore.stub import Stubber

    from leadreview.endpoint.build import EndpointOptions
    from leadreview.settings import load_settings
    from leadreview.store.store import open_store

    upstream = boto3.client("rekognition", region_name="us-east-1")
    stubber = Stubber(upstream)
    image, _ = probe_png(write_small_scenario(tmp_path), 0)
    answer = shapes.response(shapes.match(1, 97.5), shapes.match(2, 81.0))
    stubber.add_response("create_collection", {"StatusCode": 200}, {"CollectionId": "real"})
    stubber.add_response(
        "search_faces_by_image",
        answer,
        {
            "CollectionId": "real",
            "Image": {"Bytes": image},
            "MaxFaces": 2,
            "FaceMatchThreshold": 70.0,
            "QualityFilter": "NONE",
        },
    )
    stubber.add_client_error(
        "search_faces_by_image", "ResourceNotFoundException", "no such collection"
    )
    in_bucket = {"S3Object": {"Bucket": "agency-photos", "Name": "booking/1.png"}}
    stubber.add_response(
        "index_faces",
        {"FaceRecords": [], "FaceModelVersion": "7.0", "UnindexedFaces": []},
        {"CollectionId": "real", "Image": in_bucket},
    )
    settings = load_settings()
    store = open_store(settings.resolved_database_url())
    key = issue(settings, store, "ivan")
    server = start_endpoint(settings, store, key, options=EndpointOptions(upstream_client=upstream))
    try:
        with stubber:
            client = Endpoint(server, server.url, key, settings, store).client()
            assert client.create_collection(CollectionId="real")["StatusCode"] == 200
            found = client.search_faces_by_image(
                CollectionId="real", Image={"Bytes": image}, MaxFaces=2, FaceMatchThreshold=70
            )
            assert found["FaceMatches"] == answer["FaceMatches"]
            with pytest.raises(ClientError) as missing:
                client.search_faces_by_image(CollectionId="gone", Image={"Bytes": image})
            assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
            client.index_faces(CollectionId="real", Image=in_bucket)
            # A search must send its image: the case keeps it. Refused before AWS, recorded.
            with pytest.raises(ClientError) as by_reference:
                client.search_faces_by_image(CollectionId="real", Image=in_bucket)
            assert by_reference.value.response["Error"]["Code"] == "InvalidParameterException"
            stubber.assert_no_pending_responses()
        (recorded,) = events(store, "search.recorded")
        assert recorded.actor == "ivan"
        assert [lead["similarity"] for lead in recorded.payload["leads"]] == [97.5, 81.0]
        failed = events(store, "search.failed")
        assert [e.payload["error_code"] for e in failed] == [
            "ResourceNotFoundException",
            "InvalidParameterException",
        ]
        (indexed,) = events(store, "rekognition.collection_changed")[-1:]
        assert indexed.payload["image"] == {"s3_object": in_bucket["S3Object"]}
    finally:
        server.shutdown()
        server.server_close()
        store.dispose()
