"""The boto3 Rekognition backend, on a real client with botocore's Stubber (no network).

The real client validates every request against the service model before the Stubber
answers, and the Stubber validates every canned response, so what passes here is what
the service would accept and could return.
"""

import io
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from botocore.stub import Stubber
from PIL import Image

from leadreview.errors import ConfigurationError, LeadreviewError
from leadreview.search import backend_errors as be
from leadreview.search.rekognition import (
    SEARCH,
    ThrottleBackoff,
    build_search_request,
    make_rekognition_client,
    make_search_client,
    search_faces_by_image,
)
from leadreview.search.response_shapes import (
    InvalidResponseError,
    leads_from_response,
    validate_response,
)
from leadreview.settings import Settings, load_settings
from leadreview.simulation.similarity import SimilarityMap
from tests.support.rekognition_shapes import face_id, match, response

COLLECTION = "wcso-bookings"
IMAGE_NAME = "cctv-still-0042.png"
METHOD = "search_faces_by_image"  # the Stubber speaks client method names


def settings(**aws: Any) -> Settings:
    return load_settings(backend="rekognition", aws={"region": "us-east-1", **aws})


@pytest.fixture
def client() -> Any:
    return make_rekognition_client(settings(max_attempts=1))


@pytest.fixture
def stubber(client: Any) -> Iterator[Stubber]:
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


def png(width: int = 120, height: int = 160) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (128, 110, 100)).save(out, format="PNG")
    return out.getvalue()


PROBE = png()


def expected_request(max_faces: int = 50) -> dict[str, Any]:
    return {
        "CollectionId": COLLECTION,
        "Image": {"Bytes": PROBE},
        "MaxFaces": max_faces,
        "FaceMatchThreshold": 0.0,
        "QualityFilter": "NONE",
    }


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def search(client: Any, sleep: Sleeps | None = None, **kwargs: Any) -> Any:
    args: dict[str, Any] = {
        "collection_id": COLLECTION,
        "image": PROBE,
        "image_name": IMAGE_NAME,
        "max_faces": 50,
        "sleep": sleep or Sleeps(),
        "jitter": lambda: 0.5,
    }
    return search_faces_by_image(client, **(args | kwargs))


def count_calls(client: Any) -> list[dict[str, Any]]:
    """Every SearchFacesByImage call the client makes (Stubber answers after this event)."""
    calls: list[dict[str, Any]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        calls.append(params)

    client.meta.events.register(f"before-parameter-build.rekognition.{SEARCH}", record)
    return calls


# --- the client and its configuration -------------------------------------------------


def test_client_config_comes_from_settings() -> None:
    client: Any = make_rekognition_client(
        settings(
            region="eu-west-1",
            endpoint_url="http://localhost:4566",
            max_attempts=7,
            connect_timeout=2.5,
            read_timeout=12.0,
        )
    )
    assert client.meta.service_model.service_name == "rekognition"
    assert client.meta.region_name == "eu-west-1"
    assert client.meta.endpoint_url == "http://localhost:4566"
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 7}
    assert client.meta.config.connect_timeout == 2.5
    assert client.meta.config.read_timeout == 12.0


def test_profile_from_settings_is_used(tmp_path: Path) -> None:
    (tmp_path / "aws-config").write_text("[profile lab]\nregion = ca-central-1\n")
    client: Any = make_rekognition_client(settings(region=None, profile="lab"))
    assert client.meta.region_name == "ca-central-1"


def test_unknown_profile_is_one_line_naming_it() -> None:
    with pytest.raises(be.AwsConfigurationError) as caught:
        make_rekognition_client(settings(profile="nosuch"))
    assert "'nosuch'" in str(caught.value)
    assert isinstance(caught.value, ConfigurationError)


def test_no_region_says_how_to_set_it() -> None:
    with pytest.raises(be.AwsConfigurationError) as caught:
        make_rekognition_client(settings(region=None))
    assert str(caught.value) == (
        "no AWS region: set LEADREVIEW_AWS__REGION or aws.region in the config file"
    )
    assert caught.value.code == "NoRegionError"


def test_make_search_client_picks_the_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    boto_client: Any = make_search_client(settings())
    assert boto_client.meta.service_model.service_name == "rekognition"

    from leadreview.search.simulated import SimulatedRekognition
    from leadreview.simulation import score_model

    # Only the calibrated map and size are read; stand in for the calibration file.
    model = types.SimpleNamespace(similarity=SimilarityMap(c0=0.5, w=0.05), dims=64)
    monkeypatch.setattr(score_model, "load_score_model", lambda: model)
    simulated = make_search_client(load_settings(backend="simulated"))
    assert isinstance(simulated, SimulatedRekognition)


def test_the_same_call_on_the_simulated_backend_converts_its_errors() -> None:
    from leadreview.search.simulated import SimulatedRekognition

    simulated: Any = SimulatedRekognition(SimilarityMap(c0=0.5, w=0.05))
    with pytest.raises(be.CollectionNotFoundError) as caught:
        search(simulated)
    assert f"collection {COLLECTION!r} not found" in str(caught.value)
    assert caught.value.code == "ResourceNotFoundException"


# --- searching ------------------------------------------------------------------------


def test_search_with_several_matches(client: Any, stubber: Stubber) -> None:
    canned = response(match(1, 99.1), match(2, 96.03), match(3, 81.0), match(4, 12.5))
    stubber.add_response(METHOD, canned, expected_request())
    outcome = search(client)
    assert outcome.throttled_calls == 0
    assert outcome.response["FaceMatches"] == canned["FaceMatches"]
    assert [(lead.rank, lead.similarity) for lead in outcome.leads] == [
        (1, 99.1),
        (2, 96.03),
        (3, 81.0),
        (4, 12.5),
    ]
    assert outcome.leads[1].face_id == face_id(2)
    assert outcome.leads[1].external_image_id == "booking-00002"


def test_search_with_no_matches(client: Any, stubber: Stubber) -> None:
    stubber.add_response(METHOD, response(), expected_request())
    assert search(client).leads == []


def test_request_options_pass_the_real_client_validation(client: Any, stubber: Stubber) -> None:
    request = expected_request(max_faces=4096) | {
        "FaceMatchThreshold": 95.0,
        "QualityFilter": "HIGH",
    }
    stubber.add_response(METHOD, response(match(1, 97.0)), request)
    outcome = search(client, max_faces=4096, face_match_threshold=95.0, quality_filter="HIGH")
    assert len(outcome.leads) == 1


ERROR_CASES = [
    ("InvalidParameterException", be.InvalidSearchRequestError, IMAGE_NAME),
    ("InvalidImageFormatException", be.ProbeImageRejectedError, IMAGE_NAME),
    ("ImageTooLargeException", be.ProbeImageRejectedError, IMAGE_NAME),
    ("InvalidS3ObjectException", be.ProbeImageRejectedError, IMAGE_NAME),
    ("ResourceNotFoundException", be.CollectionNotFoundError, COLLECTION),
    ("AccessDeniedException", be.SearchAccessDeniedError, "rekognition:SearchFacesByImage"),
    ("ThrottlingException", be.SearchThrottledError, "throttling"),
    ("ProvisionedThroughputExceededException", be.SearchThrottledError, "throughput"),
    ("InternalServerError", be.BackendUnavailableError, "internal server error"),
]


@pytest.mark.parametrize(("code", "error_class", "named"), ERROR_CASES)
def test_each_error_code_ends_in_one_line(
    client: Any, stubber: Stubber, code: str, error_class: type[be.SearchBackendError], named: str
) -> None:
    status = 500 if code == "InternalServerError" else 400
    stubber.add_client_error(
        METHOD, code, "Request has\ninvalid parameters", status, expected_params=expected_request()
    )
    with pytest.raises(error_class) as caught:
        search(client, backoff=ThrottleBackoff(extra_attempts=0))
    error = caught.value
    assert isinstance(error, LeadreviewError)
    assert "\n" not in str(error)
    assert named in str(error)
    assert code in str(error)
    assert "Request has invalid parameters" in str(error)  # the service's words, one line
    assert (error.code, error.operation, error.collection_id) == (code, SEARCH, COLLECTION)


def test_throttled_then_success_yields_one_response(client: Any, stubber: Stubber) -> None:
    calls = count_calls(client)
    stubber.add_client_error(METHOD, "ThrottlingException", "Rate exceeded", 400)
    stubber.add_client_error(METHOD, "ProvisionedThroughputExceededException", "", 400)
    stubber.add_response(METHOD, response(match(7, 88.0)), expected_request())
    sleeps = Sleeps()
    outcome = search(client, sleep=sleeps, backoff=ThrottleBackoff(extra_attempts=3))
    assert len(calls) == 3
    assert outcome.throttled_calls == 2
    assert [lead.face_id for lead in outcome.leads] == [face_id(7)]
    assert sleeps.delays == [0.75, 1.5]  # equal jitter at 0.5 on 1 s, 2 s steps


def test_throttled_beyond_our_retries_is_one_line(client: Any, stubber: Stubber) -> None:
    calls = count_calls(client)
    for _ in range(3):
        stubber.add_client_error(METHOD, "ThrottlingException", "Rate exceeded", 400)
    sleeps = Sleeps()
    with pytest.raises(be.SearchThrottledError) as caught:
        search(client, sleep=sleeps, backoff=ThrottleBackoff(extra_attempts=2))
    assert len(calls) == 3
    assert len(sleeps.delays) == 2
    assert "after 3 attempts" in str(caught.value)


def test_other_errors_are_not_retried(client: Any, stubber: Stubber) -> None:
    calls = count_calls(client)
    stubber.add_client_error(METHOD, "InternalServerError", "", 500)
    with pytest.raises(be.BackendUnavailableError):
        search(client)
    assert len(calls) == 1


def test_backoff_is_bounded() -> None:
    backoff = ThrottleBackoff(base_delay=1.0, max_delay=8.0)
    delays = [backoff.delay(retry, 0.999) for retry in range(20)]
    assert max(delays) <= 8.0
    assert delays == sorted(delays)
    assert backoff.delay(0, 0.0) == 0.5


def test_a_simulated_style_error_converts_too() -> None:
    class RefusedError(Exception):
        response: ClassVar = {"Error": {"Code": "ResourceNotFoundException", "Message": "x"}}

    class Backend:
        def search_faces_by_image(self, **_: Any) -> dict[str, Any]:
            raise RefusedError

    with pytest.raises(be.CollectionNotFoundError) as caught:
        search(Backend())
    assert f"collection {COLLECTION!r} not found" in str(caught.value)


# --- requests checked before sending --------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"collection_id": "bad id/with slash"}, "CollectionId"),
        ({"collection_id": "x" * 256}, "CollectionId"),
        ({"max_faces": 0}, "MaxFaces"),
        ({"max_faces": 4097}, "MaxFaces"),
        ({"face_match_threshold": 100.5}, "FaceMatchThreshold"),
        ({"quality_filter": "BEST"}, "QualityFilter"),
    ],
)
def test_invalid_requests_are_refused_before_sending(
    client: Any, stubber: Stubber, kwargs: dict[str, Any], field: str
) -> None:
    calls = count_calls(client)
    with pytest.raises(be.InvalidSearchRequestError) as caught:
        search(client, **kwargs)
    assert f"invalid {field} " in str(caught.value)
    assert calls == []


@pytest.mark.parametrize(
    ("image", "code", "words"),
    [
        (b"GIF89a" + bytes(100), "InvalidImageFormatException", "PNG or JPEG"),
        (b"\x89PNG\r\n\x1a\n" + bytes(20), "InvalidImageFormatException", "header"),
        (png(60, 200), "InvalidParameterException", "60x200 px"),
        (b"\x89PNG\r\n\x1a\n" + bytes(5 * 1024 * 1024), "ImageTooLargeException", "5 MB"),
    ],
    ids=["gif", "broken-png", "too-small", "over-5MB"],
)
def test_images_the_service_would_refuse_are_named(
    client: Any, stubber: Stubber, image: bytes, code: str, words: str
) -> None:
    calls = count_calls(client)
    with pytest.raises(be.ProbeImageRejectedError) as caught:
        search(client, image=image)
    assert IMAGE_NAME in str(caught.value)
    assert words in str(caught.value)
    assert caught.value.code == code
    assert calls == []


def test_built_request_is_what_the_client_sends(client: Any, stubber: Stubber) -> None:
    request = build_search_request(
        collection_id=COLLECTION, image=PROBE, image_name=IMAGE_NAME, max_faces=50
    )
    assert request == expected_request()
    stubber.add_response(METHOD, response(), request)
    client.search_faces_by_image(**request)


# --- botocore's own failures ----------------------------------------------------------


def test_unreachable_endpoint_names_it() -> None:
    # Port 9 on the loopback: refused at once, nothing leaves the machine.
    client = make_rekognition_client(
        settings(endpoint_url="http://127.0.0.1:9", max_attempts=1, connect_timeout=1.0)
    )
    with pytest.raises(be.BackendUnavailableError) as caught:
        search(client)
    assert "http://127.0.0.1:9" in str(caught.value)
    assert caught.value.code == "EndpointConnectionError"


def test_no_credentials_says_how_to_set_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    client = make_rekognition_client(settings(endpoint_url="http://127.0.0.1:9", max_attempts=1))
    with pytest.raises(be.AwsConfigurationError) as caught:
        search(client)
    assert str(caught.value).startswith("no AWS credentials: set LEADREVIEW_AWS__PROFILE")
    assert caught.value.code == "NoCredentialsError"


def test_unknown_failures_keep_their_traceback() -> None:
    class Backend:
        def search_faces_by_image(self, **_: Any) -> dict[str, Any]:
            raise KeyError("a bug")

    with pytest.raises(KeyError):
        search(Backend())


# --- responses: ranking and validation ------------------------------------------------


def test_leads_are_reranked_by_similarity_then_face_id() -> None:
    saved = response(match(5, 70.0), match(3, 96.03), match(9, 96.03), match(1, 99.0))
    leads = leads_from_response(saved)
    assert [(lead.rank, lead.face_id) for lead in leads] == [
        (1, face_id(1)),
        (2, face_id(3)),
        (3, face_id(9)),
        (4, face_id(5)),
    ]


def bad(field_path: str, value: Any) -> dict[str, Any]:
    saved = response(match(1, 99.0), match(2, 90.0))
    target: Any = saved
    *parents, last = field_path.split(".")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return saved


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "field", "problem"),
    [
        ("FaceMatches.1.Face.FaceId", _DELETE, "FaceMatches[1].Face.FaceId", "missing"),
        ("FaceMatches.0.Similarity", _DELETE, "FaceMatches[0].Similarity", "missing"),
        (
            "FaceMatches.1.Face.ExternalImageId",
            _DELETE,
            "FaceMatches[1].Face.ExternalImageId",
            "missing",
        ),
        ("FaceMatches", _DELETE, "FaceMatches", "missing"),
        ("FaceMatches.0.Similarity", 101.0, "FaceMatches[0].Similarity", "maximum 100"),
        ("FaceMatches.0.Similarity", "99", "FaceMatches[0].Similarity", "expected a number"),
        ("FaceMatches.0.Similarity", True, "FaceMatches[0].Similarity", "expected a number"),
        ("FaceMatches.1.Face.FaceId", "face-2", "FaceMatches[1].Face.FaceId", "pattern"),
        ("FaceMatches.0.Face.ExternalImageId", "a b", "FaceMatches[0].Face.ExternalImageId", ""),
        ("FaceMatches.0.Face.Nickname", "x", "FaceMatches[0].Face.Nickname", "unknown field"),
        ("FaceMatches", {"0": {}}, "FaceMatches", "expected a list"),
        ("SearchedFaceConfidence", -1, "SearchedFaceConfidence", "minimum 0"),
        ("FaceMatches.0.Similarity", float("nan"), "FaceMatches[0].Similarity", "finite"),
    ],
)
def test_bad_responses_name_the_field(path: str, value: Any, field: str, problem: str) -> None:
    with pytest.raises(InvalidResponseError) as caught:
        leads_from_response(bad(path, value), source="agency-export.json")
    message = str(caught.value)
    assert message.startswith(f"agency-export.json: SearchFacesByImage response: field {field}: ")
    assert problem in message
    assert "\n" not in message


def test_validate_response_ignores_transport_metadata() -> None:
    live = response(match(1, 99.0)) | {"ResponseMetadata": {"RequestId": "abc", "RetryAttempts": 0}}
    validate_response(SEARCH, live)
    assert len(leads_from_response(live)) == 1


def test_validate_response_rejects_a_non_object() -> None:
    with pytest.raises(InvalidResponseError, match=r"field \(top level\): expected an object"):
        validate_response(SEARCH, ["not", "a", "response"])
