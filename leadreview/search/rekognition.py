"""The real Rekognition backend (boto3), and the search call the workflow makes on either one.

`make_search_client` picks the simulated or the boto3 client from settings; both satisfy
`FaceSearchClient`. `search_faces_by_image` builds a request the service model accepts,
retries throttling beyond botocore's own retries, turns every failure into one line, and
returns exactly one validated response with its ranked leads. boto3 is imported inside
the functions that need it, so start-up stays fast for the simulated backend.
"""

import io
import random
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

from leadreview.domain.lead import Lead
from leadreview.search.backend_errors import (
    THROTTLING_CODES,
    AwsConfigurationError,
    InvalidSearchRequestError,
    ProbeImageRejectedError,
    SearchBackendError,
    backend_error,
    error_code,
    from_error_code,
)
from leadreview.search.protocol import FaceSearchClient
from leadreview.search.response_shapes import leads_from_response, request_violation

if TYPE_CHECKING:
    from leadreview.settings import Settings

SEARCH = "SearchFacesByImage"  # the operation, as the service model names it
QualityFilter = Literal["NONE", "AUTO", "LOW", "MEDIUM", "HIGH"]

# Rekognition's documented floor for a face image (FACTS.md, "The Rekognition API").
MIN_IMAGE_SIDE = 80
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"


def make_rekognition_client(settings: "Settings") -> FaceSearchClient:
    """A boto3 `rekognition` client configured from `settings.aws`.

    botocore's standard retry mode retries throttling and 5xx answers with backoff; its
    `total_max_attempts` counts the first call too, as `aws.max_attempts` does.
    """
    import boto3
    from botocore import exceptions as bx
    from botocore.config import Config

    aws = settings.aws
    config = Config(
        retries={"mode": "standard", "total_max_attempts": aws.max_attempts},
        connect_timeout=aws.connect_timeout,
        read_timeout=aws.read_timeout,
    )
    try:
        session = boto3.session.Session(profile_name=aws.profile, region_name=aws.region)
        client = session.client("rekognition", endpoint_url=aws.endpoint_url, config=config)
    except (bx.NoRegionError, bx.ProfileNotFound) as exc:
        converted = backend_error(exc, operation="CreateClient")
        assert converted is not None  # both are converted by backend_error
        raise converted from None
    except ValueError as exc:  # botocore: "Invalid endpoint: ..." and bad region names
        raise AwsConfigurationError(
            f"aws.endpoint_url / aws.region cannot be used: {exc}",
            code="InvalidEndpoint",
            operation="CreateClient",
        ) from None
    # The stubs type each operation's TypedDicts; structurally it is the same contract.
    return cast(FaceSearchClient, client)


def make_search_client(settings: "Settings") -> FaceSearchClient:
    """The backend `settings.backend` names: the simulated Rekognition or the real one.

    The simulated one starts empty, with the calibrated score model's similarity map and
    embedding size; galleries are imported into it by the caller.
    """
    if settings.backend == "rekognition":
        return make_rekognition_client(settings)
    from leadreview.search.simulated import SimulatedRekognition
    from leadreview.simulation.score_model import load_score_model

    model = load_score_model()
    simulated = SimulatedRekognition(
        model.similarity, dimension=model.dims, region_name=settings.aws.region or "us-east-1"
    )
    return cast(FaceSearchClient, simulated)


def _image_problem(image: bytes, context: dict[str, Any]) -> SearchBackendError | None:
    """The error Rekognition would answer for this image, found before sending it."""
    if not image.startswith((_PNG_MAGIC, _JPEG_MAGIC)):
        return from_error_code("InvalidImageFormatException", **context)
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Past half the bomb limit Pillow only warns (a second line on stderr); the
            # search refuses such an image anyway, so refuse it here, as the service would.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(image)) as picture:  # reads the header only
                width, height = picture.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow refuses to open more pixels than it can safely decode; so would the service.
        return from_error_code("ImageTooLargeException", service_message=f": {exc}", **context)
    except (UnidentifiedImageError, OSError, ValueError):
        return from_error_code(
            "InvalidImageFormatException", service_message=": the header cannot be read", **context
        )
    if min(width, height) < MIN_IMAGE_SIDE:
        # The service finds no face there and answers InvalidParameterException; the
        # user's fix is a bigger image, so say that.
        return ProbeImageRejectedError(
            f"image {context['image_name']!r}: {width}x{height} px, Rekognition needs at "
            f"least {MIN_IMAGE_SIDE} px on each side",
            code="InvalidParameterException",
            **context,
        )
    return None


def build_search_request(
    *,
    collection_id: str,
    image: bytes,
    image_name: str,
    max_faces: int,
    face_match_threshold: float = 0.0,
    quality_filter: QualityFilter = "NONE",
) -> dict[str, Any]:
    """A SearchFacesByImage request the service model accepts, or a one-line error.

    The threshold defaults to 0, not the API's 80: the practice simulated here applies no
    threshold at search time, and the policy layer decides what each policy would show.
    """
    request: dict[str, Any] = {
        "CollectionId": collection_id,
        "Image": {"Bytes": image},
        "MaxFaces": max_faces,
        "FaceMatchThreshold": face_match_threshold,
        "QualityFilter": quality_filter,
    }
    context: dict[str, Any] = {
        "operation": SEARCH,
        "collection_id": collection_id,
        "image_name": image_name,
    }
    found = request_violation(SEARCH, request)
    if found:
        field, problem = found
        if field == "Image.Bytes":
            code = "ImageTooLargeException" if len(image) else "InvalidImageFormatException"
            raise from_error_code(code, service_message=f": {problem}", **context)
        raise InvalidSearchRequestError(
            f"{SEARCH}: invalid {field} (checked before sending): {problem}",
            code="InvalidParameterException",
            **context,
        )
    image_problem = _image_problem(image, context)
    if image_problem:
        raise image_problem
    return request


@dataclass(frozen=True)
class ThrottleBackoff:
    """Our retries after botocore's own, for a search still throttled: few and bounded."""

    extra_attempts: int = 3
    base_delay: float = 1.0
    max_delay: float = 8.0

    def delay(self, retry: int, jitter: float) -> float:
        """Seconds before retry `retry` (0-based); `jitter` in [0, 1) spreads clients apart.

        Equal jitter: at least half of the capped exponential step, so waits really grow.
        """
        step = min(self.max_delay, self.base_delay * 2.0**retry)
        return step / 2 + step / 2 * jitter


def _attempts_in(exc: BaseException) -> int:
    """HTTP attempts behind one client call: the first plus botocore's own retries."""
    response: Any = getattr(exc, "response", None)
    metadata = response.get("ResponseMetadata", {}) if isinstance(response, dict) else {}
    retries = metadata.get("RetryAttempts", 0) if isinstance(metadata, dict) else 0
    return 1 + (retries if isinstance(retries, int) else 0)


def call_with_throttle_retry(
    call: Callable[[], dict[str, Any]],
    *,
    operation: str,
    collection_id: str | None,
    image_name: str | None = None,
    backoff: ThrottleBackoff = ThrottleBackoff(),
    sleep: Callable[[float], None] = time.sleep,
    jitter: Callable[[], float] = random.random,
) -> tuple[dict[str, Any], int]:
    """The single response of `call` and how many calls were throttled before it.

    Only the response of the call that succeeded is returned, so a caller that records
    it records it once, however many throttled calls came first.
    """
    context: dict[str, Any] = {
        "operation": operation,
        "collection_id": collection_id,
        "image_name": image_name,
    }
    attempts = 0
    for retry in range(backoff.extra_attempts + 1):
        try:
            return call(), retry
        except SearchBackendError:
            raise
        except Exception as exc:
            attempts += _attempts_in(exc)
            throttled = error_code(exc) in THROTTLING_CODES
            if throttled and retry < backoff.extra_attempts:
                sleep(backoff.delay(retry, jitter()))
                continue
            converted = backend_error(exc, attempts=attempts, **context)
            if converted is None:
                raise  # not a backend failure: a bug, keep the traceback
            raise converted from None
    raise AssertionError("unreachable: the last attempt returns or raises")


@dataclass(frozen=True)
class SearchOutcome:
    """One search: the response as the backend gave it, and its leads, best first."""

    response: dict[str, Any]
    leads: list[Lead]
    throttled_calls: int  # calls refused for throttling before the one that answered


def search_faces_by_image(
    client: FaceSearchClient,
    *,
    collection_id: str,
    image: bytes,
    image_name: str,
    max_faces: int,
    face_match_threshold: float = 0.0,
    quality_filter: QualityFilter = "NONE",
    backoff: ThrottleBackoff = ThrottleBackoff(),
    sleep: Callable[[float], None] = time.sleep,
    jitter: Callable[[], float] = random.random,
) -> SearchOutcome:
    """Search `collection_id` for the face in `image`, on either backend.

    `image_name` (a file name) only labels errors. Raises a `SearchBackendError`
    subclass with one line for every failure the service or the model can report.
    """
    request = build_search_request(
        collection_id=collection_id,
        image=image,
        image_name=image_name,
        max_faces=max_faces,
        face_match_threshold=face_match_threshold,
        quality_filter=quality_filter,
    )
    response, throttled = call_with_throttle_retry(
        lambda: client.search_faces_by_image(**request),
        operation=SEARCH,
        collection_id=collection_id,
        image_name=image_name,
        backoff=backoff,
        sleep=sleep,
        jitter=jitter,
    )
    leads = leads_from_response(response, source=f"{SEARCH} on collection {collection_id!r}")
    return SearchOutcome(response=response, leads=leads, throttled_calls=throttled)
