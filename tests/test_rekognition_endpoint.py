"""The Rekognition endpoint against an unmodified boto3 client over loopback HTTP: the whole
collection workflow, errors as AWS sends them, and every search on the record."""

import io
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from PIL import Image

from leadreview.search.response_shapes import validate_response
from tests.case_cli_support import cli_env
from tests.endpoint_support import (
    COLLECTION,
    SMALL_WORLD_SIZE,
    Endpoint,
    endpoint,
    events,
    plain_png,
    probe_png,
    write_small_scenario,
)

__all__ = ["cli_env", "endpoint"]  # fixtures

_METADATA = "ResponseMetadata"


def _valid(operation: str, response: dict) -> dict:  # type: ignore[type-arg]
    body = {k: v for k, v in response.items() if k != _METADATA}
    validate_response(operation, body)
    return body


def _as_jpeg(png: bytes) -> bytes:
    """The same probe as a JPEG, its descriptor in a COM segment."""
    from leadreview.search.probe_image import decode_face_descriptor, encode_probe_image

    vector = decode_face_descriptor(png)
    assert vector is not None
    return encode_probe_image(vector, Image.open(io.BytesIO(png)), "JPEG")


def _code(info: pytest.ExceptionInfo[ClientError]) -> str:
    return str(info.value.response["Error"]["Code"])


def test_the_collection_workflow_through_boto3(endpoint: Endpoint, tmp_path: Path) -> None:
    rek = endpoint.client()
    created = _valid("CreateCollection", rek.create_collection(CollectionId="lineup"))
    assert created["StatusCode"] == 200
    with pytest.raises(ClientError) as again:
        rek.create_collection(CollectionId="lineup")
    assert _code(again) == "ResourceAlreadyExistsException"

    listed = _valid("ListCollections", rek.list_collections(MaxResults=1))
    assert listed["CollectionIds"] == [COLLECTION]
    rest = rek.list_collections(NextToken=listed["NextToken"])
    assert rest["CollectionIds"] == ["lineup"]

    scenario = write_small_scenario(tmp_path)
    images = [probe_png(scenario, i)[0] for i in range(3)]
    detected = _valid("DetectFaces", rek.detect_faces(Image={"Bytes": images[0]}))
    assert len(detected["FaceDetails"]) == 1
    assert rek.detect_faces(Image={"Bytes": plain_png()})["FaceDetails"] == []

    face_ids = []
    for n, image in enumerate(images):
        indexed = _valid(
            "IndexFaces",
            rek.index_faces(CollectionId="lineup", Image={"Bytes": image}, ExternalImageId=f"p{n}"),
        )
        face_ids.append(indexed["FaceRecords"][0]["Face"]["FaceId"])
    assert rek.describe_collection(CollectionId="lineup")["FaceCount"] == 3

    first = _valid("ListFaces", rek.list_faces(CollectionId="lineup", MaxResults=2))
    second = rek.list_faces(CollectionId="lineup", MaxResults=2, NextToken=first["NextToken"])
    assert [f["FaceId"] for f in first["Faces"] + second["Faces"]] == face_ids
    assert "NextToken" not in second

    found = _valid(
        "SearchFacesByImage",
        rek.search_faces_by_image(CollectionId="lineup", Image={"Bytes": images[1]}),
    )
    assert found["FaceMatches"][0]["Face"]["FaceId"] == face_ids[1]
    by_face = _valid("SearchFaces", rek.search_faces(CollectionId="lineup", FaceId=face_ids[0]))
    assert by_face["SearchedFaceId"] == face_ids[0]
    assert face_ids[0] not in [m["Face"]["FaceId"] for m in by_face["FaceMatches"]]

    deleted = _valid("DeleteFaces", rek.delete_faces(CollectionId="lineup", FaceIds=face_ids[:1]))
    assert deleted["DeletedFaces"] == face_ids[:1]
    assert rek.describe_collection(CollectionId="lineup")["FaceCount"] == 2
    assert rek.delete_collection(CollectionId="lineup")["StatusCode"] == 200
    with pytest.raises(ClientError) as gone:
        rek.describe_collection(CollectionId="lineup")
    assert _code(gone) == "ResourceNotFoundException"


def test_a_seeded_world_is_searched_and_the_search_is_on_record(
    endpoint: Endpoint, tmp_path: Path
) -> None:
    rek = endpoint.client()
    assert rek.describe_collection(CollectionId=COLLECTION)["FaceCount"] == SMALL_WORLD_SIZE
    image, mate = probe_png(write_small_scenario(tmp_path), 2)
    answer = rek.search_faces_by_image(
        CollectionId=COLLECTION, Image={"Bytes": image}, MaxFaces=5, FaceMatchThreshold=0
    )
    matches = answer["FaceMatches"]
    assert len(matches) == 5
    assert matches[0]["Face"]["ExternalImageId"] == mate

    # A JPEG probe is searched as well, and boto3's paginator walks the whole gallery.
    jpeg = _as_jpeg(image)
    again = rek.search_faces_by_image(CollectionId=COLLECTION, Image={"Bytes": jpeg}, MaxFaces=5)
    assert again["FaceMatches"][0]["Face"]["ExternalImageId"] == mate
    pages = rek.get_paginator("list_faces").paginate(
        CollectionId=COLLECTION, PaginationConfig={"PageSize": 700}
    )
    assert sum(len(page["Faces"]) for page in pages) == SMALL_WORLD_SIZE

    opened, _jpeg_case = events(endpoint.store, "case.opened")
    recorded, _ = events(endpoint.store, "search.recorded")
    for event in (opened, recorded):
        assert (event.actor, event.role) == ("ivan", "investigator")
    leads = recorded.payload["leads"]
    assert [lead["face_id"] for lead in leads] == [m["Face"]["FaceId"] for m in matches]
    policies = recorded.payload["policies"]
    assert len(policies) >= 4  # every bundled policy's shadow verdict, on every lead
    assert all(len(lead["verdicts"]) == len(policies) for lead in leads)
    assert recorded.payload["verdict_count"] == 5 * len(policies)
    assert recorded.payload["request"] == {
        "CollectionId": COLLECTION,
        "FaceMatchThreshold": 0.0,
        "MaxFaces": 5,
    }


def test_errors_come_back_as_aws_sends_them_and_failed_searches_are_recorded(
    endpoint: Endpoint,
) -> None:
    rek = endpoint.client()
    with pytest.raises(ClientError) as no_face:
        rek.search_faces_by_image(CollectionId=COLLECTION, Image={"Bytes": plain_png()})
    assert _code(no_face) == "InvalidParameterException"
    assert no_face.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as garbage:
        rek.search_faces_by_image(CollectionId=COLLECTION, Image={"Bytes": b"not an image"})
    assert _code(garbage) == "InvalidImageFormatException"
    with pytest.raises(ClientError) as huge:
        rek.detect_faces(Image={"Bytes": b"\x89PNG\r\n\x1a\n" + b"\0" * (5 * 1024 * 1024)})
    assert _code(huge) == "ImageTooLargeException"
    with pytest.raises(ClientError) as huge_search:
        rek.search_faces_by_image(
            CollectionId=COLLECTION,
            Image={"Bytes": b"\x89PNG\r\n\x1a\n" + b"\0" * (5 * 1024 * 1024)},
        )
    assert _code(huge_search) == "ImageTooLargeException"
    with pytest.raises(ClientError) as too_many:  # botocore checks minimums only
        rek.search_faces_by_image(
            CollectionId=COLLECTION, Image={"Bytes": plain_png()}, MaxFaces=5000
        )
    assert _code(too_many) == "ValidationException"
    with pytest.raises(ClientError) as missing:
        rek.search_faces_by_image(CollectionId="nobody-here", Image={"Bytes": plain_png()})
    assert _code(missing) == "ResourceNotFoundException"
    failed = events(endpoint.store, "search.failed")
    assert [e.payload["error_code"] for e in failed] == [
        "InvalidParameterException",
        "InvalidImageFormatException",
        "ImageTooLargeException",
        "ResourceNotFoundException",
    ]
    assert {(e.actor, e.role) for e in failed} == {("ivan", "investigator")}
    assert events(endpoint.store, "case.opened") == []


def test_the_endpoint_is_found_through_aws_endpoint_url_rekognition(
    endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    monkeypatch.setenv("AWS_ENDPOINT_URL_REKOGNITION", endpoint.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", endpoint.key.key.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", endpoint.key.secret_access_key)
    # A fresh session: boto3's default one keeps the credentials it first found.
    client = boto3.session.Session().client("rekognition", region_name="us-east-1")
    assert client.list_collections()["CollectionIds"] == [COLLECTION]
