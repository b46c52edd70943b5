"""Error codes and argument limits, as a real boto3 client and the service report them.

botocore refuses some requests before sending (types, required members, minimums:
ParamValidationError); the service refuses the rest (maximums, patterns, enums:
ValidationException; a missing face: InvalidParameterException). The simulator must
split them the same way, which the real client (with a Stubber) confirms.
"""

import io
import re
from typing import Any

import boto3
import numpy as np
import pytest
from botocore.exceptions import ClientError, ParamValidationError
from botocore.stub import Stubber
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from leadreview.search.probe_image import MAX_IMAGE_BYTES
from leadreview.search.requests import ImageTypeDef, SearchFacesByImageRequest
from leadreview.search.simulated import SimulatedRekognition
from tests.support.search import gallery_client, logistic_similarity, probe_bytes, unit_rows

COLLECTION_ID = re.compile(r"[a-zA-Z0-9_.\-]+")
EXTERNAL_IMAGE_ID = re.compile(r"[a-zA-Z0-9_.\-:]+")


@pytest.fixture(scope="module")
def sim() -> SimulatedRekognition:
    client, _ = gallery_client(n=50)
    return client


@pytest.fixture(scope="module")
def probe() -> bytes:
    return probe_bytes(unit_rows(np.random.default_rng(3), 1)[0])


@pytest.fixture(scope="module")
def real_client() -> Any:
    return boto3.client(
        "rekognition",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def code_of(call: Any) -> str:
    """'ok', 'client-side' (ParamValidationError) or the ClientError code."""
    try:
        call()
    except ParamValidationError:
        return "client-side"
    except ClientError as error:
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] >= 400
        assert error.response["Error"]["Message"]
        return str(error.response["Error"]["Code"])
    return "ok"


def real_client_verdict(real_client: Any, operation: str, request: dict[str, Any]) -> str:
    """Whether botocore itself refuses `request` ('client-side') or would send it ('sent')."""
    with Stubber(real_client) as stubber:
        stubber.add_client_error(operation, "ValidationException")
        try:
            getattr(real_client, operation)(**request)
        except ParamValidationError:
            return "client-side"
        except ClientError:
            return "sent"
    return "sent"


@settings(max_examples=60, deadline=None)
@given(max_faces=st.integers(-5, 5000), threshold=st.floats(-20, 120, allow_nan=False))
def test_max_faces_and_threshold_limits(
    sim: SimulatedRekognition, probe: bytes, real_client: Any, max_faces: int, threshold: float
) -> None:
    request: SearchFacesByImageRequest = {
        "CollectionId": "gallery",
        "Image": {"Bytes": probe},
        "MaxFaces": max_faces,
        "FaceMatchThreshold": threshold,
    }
    got = code_of(lambda: sim.search_faces_by_image(**request))
    if 1 <= max_faces <= 4096 and 0 <= threshold <= 100:
        assert got == "ok"
    elif max_faces < 1 or threshold < 0:
        assert got == "client-side"
    else:
        assert got == "ValidationException"
    # The same split as the real client: what botocore refuses, we refuse client-side.
    verdict = real_client_verdict(real_client, "search_faces_by_image", dict(request))
    assert (got == "client-side") == (verdict == "client-side")


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.from_regex(COLLECTION_ID, fullmatch=True), st.text(max_size=300)))
def test_collection_id_limits(collection_id: str) -> None:
    sim = SimulatedRekognition(logistic_similarity)
    got = code_of(lambda: sim.create_collection(CollectionId=collection_id))
    if collection_id == "":
        assert got == "client-side"
    elif COLLECTION_ID.fullmatch(collection_id) and len(collection_id) <= 255:
        assert got == "ok"
        assert sim.describe_collection(CollectionId=collection_id)["FaceCount"] == 0
    else:
        assert got == "ValidationException"


@settings(max_examples=40, deadline=None)
@given(st.one_of(st.from_regex(EXTERNAL_IMAGE_ID, fullmatch=True), st.text(max_size=300)))
def test_external_image_id_limits(probe: bytes, external_id: str) -> None:
    sim = SimulatedRekognition(logistic_similarity)
    sim.create_collection(CollectionId="c")
    got = code_of(
        lambda: sim.index_faces(
            CollectionId="c", Image={"Bytes": probe}, ExternalImageId=external_id
        )
    )
    if external_id == "":
        assert got == "client-side"
    elif EXTERNAL_IMAGE_ID.fullmatch(external_id) and len(external_id) <= 255:
        assert got == "ok"
    else:
        assert got == "ValidationException"


def test_quality_filter_enum(sim: SimulatedRekognition, probe: bytes) -> None:
    for value in ("NONE", "AUTO", "LOW", "MEDIUM", "HIGH"):
        request: Any = {
            "CollectionId": "gallery",
            "Image": {"Bytes": probe},
            "QualityFilter": value,
        }
        assert code_of(lambda r=request: sim.search_faces_by_image(**r)) == "ok"
    bad: Any = {"CollectionId": "gallery", "Image": {"Bytes": probe}, "QualityFilter": "BEST"}
    assert code_of(lambda: sim.search_faces_by_image(**bad)) == "ValidationException"


def test_unknown_and_missing_arguments_are_refused_as_botocore_does(
    sim: SimulatedRekognition, probe: bytes
) -> None:
    unknown: Any = {"CollectionId": "gallery", "Image": {"Bytes": probe}, "Threshold": 0}
    assert code_of(lambda: sim.search_faces_by_image(**unknown)) == "client-side"
    missing: Any = {"CollectionId": "gallery"}
    assert code_of(lambda: sim.search_faces_by_image(**missing)) == "client-side"
    wrong_type: Any = {"CollectionId": "gallery", "Image": {"Bytes": probe}, "MaxFaces": "5"}
    assert code_of(lambda: sim.search_faces_by_image(**wrong_type)) == "client-side"


def test_resource_errors(probe: bytes) -> None:
    sim = SimulatedRekognition(logistic_similarity)
    assert code_of(lambda: sim.describe_collection(CollectionId="nope")) == (
        "ResourceNotFoundException"
    )
    assert (
        code_of(lambda: sim.search_faces_by_image(CollectionId="nope", Image={"Bytes": probe}))
        == "ResourceNotFoundException"
    )
    sim.create_collection(CollectionId="c")
    with pytest.raises(sim.exceptions.ResourceAlreadyExistsException) as raised:
        sim.create_collection(CollectionId="c")
    assert isinstance(raised.value, ClientError)
    assert raised.value.operation_name == "CreateCollection"
    assert raised.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"
    assert (
        code_of(
            lambda: sim.search_faces(
                CollectionId="c", FaceId="00000000-0000-0000-0000-000000000000"
            )
        )
        == "InvalidParameterException"
    )
    assert code_of(lambda: sim.list_faces(CollectionId="c", NextToken="12.bogus")) == (
        "InvalidPaginationTokenException"
    )


def _png(side_x: int, side_y: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (side_x, side_y), (90, 90, 90)).save(buffer, "PNG")
    return buffer.getvalue()


def test_image_errors(sim: SimulatedRekognition) -> None:
    embedding = unit_rows(np.random.default_rng(4), 1)[0]

    def search(image: ImageTypeDef) -> str:
        return code_of(lambda: sim.search_faces_by_image(CollectionId="gallery", Image=image))

    # No descriptor: no face, exactly as Rekognition answers an image without a face.
    assert search({"Bytes": _png(120, 120)}) == "InvalidParameterException"
    assert search({"Bytes": b"GIF89a" + b"\x00" * 200}) == "InvalidImageFormatException"
    assert search({"Bytes": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64}) == "InvalidImageFormatException"
    assert search({"Bytes": probe_bytes(embedding, side=79)}) == "InvalidParameterException"
    assert search({"Bytes": probe_bytes(embedding, side=80)}) == "ok"
    too_large = probe_bytes(embedding) + b"\x00" * (MAX_IMAGE_BYTES + 1)
    assert search({"Bytes": too_large}) == "ImageTooLargeException"
    s3: ImageTypeDef = {"S3Object": {"Bucket": "evidence", "Name": "probe.jpg"}}
    assert search(s3) == "InvalidS3ObjectException"
    with pytest.raises(ClientError, match="no S3"):
        sim.search_faces_by_image(CollectionId="gallery", Image=s3)


def test_descriptor_of_the_wrong_dimension(sim: SimulatedRekognition) -> None:
    other = unit_rows(np.random.default_rng(5), 1, d=8)[0]
    got = code_of(
        lambda: sim.search_faces_by_image(
            CollectionId="gallery", Image={"Bytes": probe_bytes(other)}
        )
    )
    assert got == "InvalidParameterException"


def test_search_embeddings_validates_as_search_faces_by_image(sim: SimulatedRekognition) -> None:
    queries = unit_rows(np.random.default_rng(6), 2)
    assert code_of(lambda: sim.search_embeddings("gallery", queries, MaxFaces=0)) == "client-side"
    assert code_of(lambda: sim.search_embeddings("gallery", queries, MaxFaces=4097)) == (
        "ValidationException"
    )
    assert (
        code_of(lambda: sim.search_embeddings("gallery", queries, FaceMatchThreshold=100.5))
        == "ValidationException"
    )
    assert code_of(lambda: sim.search_embeddings("nope", queries)) == "ResourceNotFoundException"
    assert code_of(lambda: sim.search_embeddings("gallery", queries[:, :5])) == (
        "InvalidParameterException"
    )
    assert code_of(lambda: sim.search_embeddings("gallery", np.zeros((1, 32)))) == (
        "InvalidParameterException"
    )


def test_import_faces_checks_the_gallery() -> None:
    sim = SimulatedRekognition(logistic_similarity)
    sim.create_collection(CollectionId="c")
    rows = unit_rows(np.random.default_rng(7), 3)
    assert code_of(lambda: sim.import_faces("c", rows * 2)) == "InvalidParameterException"
    assert code_of(lambda: sim.import_faces("c", rows, ["a", "b"])) == "InvalidParameterException"
    assert code_of(lambda: sim.import_faces("c", rows, ["a", "b c", "d"])) == (
        "InvalidParameterException"
    )
    assert code_of(lambda: sim.import_faces("c", rows, FaceIds=["x", "y", "z"])) == (
        "InvalidParameterException"
    )
    same = ["00000000-0000-0000-0000-000000000001"] * 3
    assert code_of(lambda: sim.import_faces("c", rows, FaceIds=same)) == "InvalidParameterException"
    assert code_of(lambda: sim.import_faces("nope", rows)) == "ResourceNotFoundException"
    assert code_of(lambda: sim.import_faces("c", rows)) == "ok"


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("bad", [1.01, 0.98, np.nan, np.inf])
def test_an_imported_row_that_is_not_a_unit_vector_is_named(dtype: type, bad: float) -> None:
    """The check reads the gallery a block at a time: a bad row past the first block is
    found and named, a row within float rounding of unit is not."""
    gallery = unit_rows(np.random.default_rng(3), 70_000)
    gallery[1] *= np.float32(1.0 + 4e-4)  # inside the tolerance
    original = gallery[69_000].copy()
    gallery[69_000] = original * np.float32(bad)
    client = SimulatedRekognition(logistic_similarity)
    client.create_collection(CollectionId="c")
    with pytest.raises(ClientError, match="row 69000 is not a unit vector"):
        client.import_faces("c", gallery.astype(dtype))
    gallery[69_000] = original
    assert client.import_faces("c", gallery.astype(dtype)) == range(70_000)
