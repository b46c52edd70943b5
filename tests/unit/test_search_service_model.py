"""Every response of the simulator validates against the botocore service model.

For each operation: our request goes through a real boto3 client (botocore validates the
parameters), our response is registered with botocore's Stubber (which validates it
against the operation's output shape), and the client must hand back exactly our data.
"""

import io
import re
from collections.abc import Iterator
from typing import Any

import boto3
import numpy as np
import pytest
from botocore.stub import Stubber
from PIL import Image

from leadreview.search.simulated import SimulatedRekognition
from tests.support.search import (
    gallery_client,
    logistic_similarity,
    near,
    probe_bytes,
    unit_rows,
    without_metadata,
)

UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


@pytest.fixture(scope="module")
def real_client() -> Any:
    return boto3.client(
        "rekognition",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


@pytest.fixture
def check(real_client: Any) -> Iterator[Any]:
    """check(sim, operation, **request): run on the simulator, then through the real client
    with our response stubbed; both must succeed and agree. Returns our response."""

    def run(sim: SimulatedRekognition, operation: str, **request: Any) -> dict[str, Any]:
        ours: dict[str, Any] = getattr(sim, operation)(**request)
        assert ours["ResponseMetadata"]["HTTPStatusCode"] == 200
        with Stubber(real_client) as stubber:
            stubber.add_response(operation, ours, expected_params=request)
            theirs = getattr(real_client, operation)(**request)
            stubber.assert_no_pending_responses()
        assert without_metadata(theirs) == without_metadata(ours)
        return ours

    yield run


def test_collection_lifecycle(check: Any) -> None:
    sim = SimulatedRekognition(logistic_similarity)
    created = check(sim, "create_collection", CollectionId="wcso-booking", Tags={"k": "v"})
    assert created["StatusCode"] == 200
    assert created["CollectionArn"].endswith(":collection/wcso-booking")
    described = check(sim, "describe_collection", CollectionId="wcso-booking")
    assert described["FaceCount"] == 0
    assert described["CollectionARN"] == created["CollectionArn"]
    listed = check(sim, "list_collections")
    assert listed["CollectionIds"] == ["wcso-booking"]
    assert listed["FaceModelVersions"] == [created["FaceModelVersion"]]
    assert check(sim, "delete_collection", CollectionId="wcso-booking")["StatusCode"] == 200
    assert check(sim, "list_collections")["CollectionIds"] == []


def test_index_list_and_delete_faces(check: Any) -> None:
    sim = SimulatedRekognition(logistic_similarity)
    sim.create_collection(CollectionId="c")
    embedding = unit_rows(np.random.default_rng(1), 1)[0]
    indexed = check(
        sim,
        "index_faces",
        CollectionId="c",
        Image={"Bytes": probe_bytes(embedding, "JPEG")},
        ExternalImageId="booking:2018-000001",
        DetectionAttributes=["DEFAULT"],
        MaxFaces=1,
        QualityFilter="AUTO",
    )
    (record,) = indexed["FaceRecords"]
    face = record["Face"]
    assert face["ExternalImageId"] == "booking:2018-000001"
    assert face["IndexFacesModelVersion"] == indexed["FaceModelVersion"]
    listed = check(sim, "list_faces", CollectionId="c", MaxResults=10)
    assert listed["Faces"] == [face]
    assert check(sim, "list_faces", CollectionId="c", FaceIds=[face["FaceId"]])["Faces"] == [face]
    deleted = check(
        sim,
        "delete_faces",
        CollectionId="c",
        FaceIds=[face["FaceId"], "00000000-0000-0000-0000-000000000000"],
    )
    assert deleted["DeletedFaces"] == [face["FaceId"]]
    assert deleted["UnsuccessfulFaceDeletions"] == [
        {"FaceId": "00000000-0000-0000-0000-000000000000", "Reasons": ["FACE_NOT_FOUND"]}
    ]
    nothing = check(sim, "delete_faces", CollectionId="c", FaceIds=[face["FaceId"]])
    assert "DeletedFaces" not in nothing  # the model's DeletedFaces needs at least one id


def test_index_faces_without_a_face_indexes_nothing(check: Any) -> None:
    sim = SimulatedRekognition(logistic_similarity)
    sim.create_collection(CollectionId="c")
    plain = io.BytesIO()
    Image.new("RGB", (100, 100)).save(plain, "PNG")
    indexed = check(sim, "index_faces", CollectionId="c", Image={"Bytes": plain.getvalue()})
    assert indexed["FaceRecords"] == []


def test_search_faces_by_image(check: Any) -> None:
    sim, gallery = gallery_client()
    probe = near(np.random.default_rng(2), gallery[7], 0.05)
    response = check(
        sim,
        "search_faces_by_image",
        CollectionId="gallery",
        Image={"Bytes": probe_bytes(probe)},
        MaxFaces=5,
        FaceMatchThreshold=0.0,
        QualityFilter="NONE",
    )
    matches = response["FaceMatches"]
    assert len(matches) == 5
    assert matches[0]["Face"]["ExternalImageId"] == "person-7"
    assert 0 <= response["SearchedFaceConfidence"] <= 100
    assert set(response["SearchedFaceBoundingBox"]) == {"Width", "Height", "Left", "Top"}
    for match in matches:
        face = match["Face"]
        assert set(face) == {
            "FaceId",
            "BoundingBox",
            "ImageId",
            "ExternalImageId",
            "Confidence",
            "IndexFacesModelVersion",
        }
        assert re.match(UUID, face["FaceId"])
        assert re.match(UUID, face["ImageId"])


def test_search_faces(check: Any) -> None:
    sim, _ = gallery_client()
    face_id = sim.list_faces(CollectionId="gallery", MaxResults=1)["Faces"][0]["FaceId"]
    response = check(
        sim,
        "search_faces",
        CollectionId="gallery",
        FaceId=face_id,
        MaxFaces=3,
        FaceMatchThreshold=0,
    )
    assert response["SearchedFaceId"] == face_id
    assert len(response["FaceMatches"]) == 3


def test_paged_listing(check: Any) -> None:
    sim, _ = gallery_client(n=25)
    for name in ("a", "b", "c"):
        sim.create_collection(CollectionId=name)
    seen: list[str] = []
    token: dict[str, str] = {}
    while True:
        page = check(sim, "list_faces", CollectionId="gallery", MaxResults=10, **token)
        seen.extend(face["FaceId"] for face in page["Faces"])
        if "NextToken" not in page:
            break
        token = {"NextToken": page["NextToken"]}
    assert len(seen) == len(set(seen)) == 25
    first = check(sim, "list_collections", MaxResults=2)
    assert first["CollectionIds"] == ["a", "b"]
    rest = check(sim, "list_collections", MaxResults=2, NextToken=first["NextToken"])
    assert rest["CollectionIds"] == ["c", "gallery"]
    assert "NextToken" not in rest
