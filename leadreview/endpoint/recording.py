"""Every search through the endpoint goes on the record through the workflow's own
case-opening service (`workflow.cases.open_case`): a case with its probe, the search, its
leads and every loaded policy's shadow verdict in one transaction, or a `search.failed`
event, under the principal behind the access key. There is no second recording path:
the endpoint only captures the backend's response on its way through, to answer the
client with exactly what was recorded.

SearchFaces has no image: it is recorded as a case whose probe is the indexed face (its
`probe_ref` is the FaceId, its image a plain placeholder), with the same leads the client
receives.
"""

import io
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from leadreview.domain.case import MAX_PROBE_BYTES, CaseOpening
from leadreview.domain.policy import UseCase
from leadreview.domain.probe import CaptureQuality
from leadreview.domain.roles import Actor
from leadreview.search.protocol import FaceSearchClient
from leadreview.workflow.cases import SearchBackend, open_case
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.policy_set import PolicySet

# The API's defaults when a client leaves them out (API reference; the model's MaxFaces
# maximum where the reference states no default, as the simulator does).
API_DEFAULT_THRESHOLD = 80.0
API_DEFAULT_MAX_FACES = 4096


@dataclass(frozen=True)
class CaseDefaults:
    """What a Rekognition request cannot say but a case needs; set when serving."""

    offense: str = "not stated (Rekognition API client)"
    use_case: UseCase = UseCase.INVESTIGATION
    quality: CaptureQuality = CaptureQuality.CCTV


@dataclass(frozen=True)
class RecordedSearch:
    response: dict[str, Any]
    case_id: int


class _Capture:
    """Passes the workflow's search to the backend and keeps the answer for the client."""

    def __init__(self, client: Any, searched_face: str | None = None) -> None:
        self._client = client
        self._searched_face = searched_face
        self.response: dict[str, Any] | None = None

    def search_faces_by_image(self, **params: Any) -> dict[str, Any]:
        if self._searched_face is None:
            self.response = self._client.search_faces_by_image(**params)
            return _with_external_ids(self.response)
        # SearchFaces: the same request, by the indexed face instead of an image.
        response: dict[str, Any] = self._client.search_faces(
            CollectionId=params["CollectionId"],
            FaceId=self._searched_face,
            MaxFaces=params["MaxFaces"],
            FaceMatchThreshold=params["FaceMatchThreshold"],
        )
        self.response = response
        # Recorded as a SearchFacesByImage answer: the same matches, without SearchedFaceId.
        shaped = {k: v for k, v in response.items() if k in ("FaceMatches", "FaceModelVersion")}
        return _with_external_ids(shaped)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


# A lead needs an ExternalImageId; a face indexed without one is recorded under this.
NO_EXTERNAL_IMAGE_ID = "none"


def _with_external_ids(response: dict[str, Any]) -> dict[str, Any]:
    """The response as the workflow records it: the client gets it unchanged."""
    matches = response.get("FaceMatches") or []
    if all("ExternalImageId" in match.get("Face", {}) for match in matches):
        return response
    filled = [
        {**match, "Face": {"ExternalImageId": NO_EXTERNAL_IMAGE_ID, **match.get("Face", {})}}
        for match in matches
    ]
    return {**response, "FaceMatches": filled}


@cache
def _placeholder_image() -> bytes:
    """A plain 96x96 PNG: SearchFaces' probe has no picture of its own."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (96, 96), (128, 128, 128)).save(buffer, "PNG")
    return buffer.getvalue()


class SearchRecorder:
    def __init__(self, ctx: WorkflowContext, policies: PolicySet, defaults: CaseDefaults) -> None:
        self._ctx = ctx
        self._policies = policies
        self._defaults = defaults

    def search(
        self,
        operation: str,
        params: dict[str, Any],
        *,
        actor: Actor,
        access_key_id: str,
        client: Any,
    ) -> RecordedSearch:
        """Run the search through the workflow; raise what the workflow raises."""
        defaults = self._defaults
        if operation == "SearchFaces":
            capture = _Capture(client, searched_face=params["FaceId"])
            image = _placeholder_image()
            probe_ref: str | None = params["FaceId"]
            source = f"Rekognition endpoint SearchFaces by indexed face, access key {access_key_id}"
        else:
            if "Bytes" not in params["Image"]:
                _refuse_s3_image(self._ctx, actor, params["CollectionId"])
            capture = _Capture(client)
            image = bytes(params["Image"]["Bytes"])
            probe_ref = None
            source = f"Rekognition endpoint SearchFacesByImage, access key {access_key_id}"
        if len(image) > MAX_PROBE_BYTES:
            _too_large(self._ctx, actor, image, params["CollectionId"])
        opening = CaseOpening(
            offense=defaults.offense,
            use_case=defaults.use_case,
            quality=defaults.quality,
            source=source,
            image=image,
            probe_ref=probe_ref,
        )
        case_id = open_case(
            self._ctx,
            actor,
            opening,
            backend=SearchBackend(
                client=cast(FaceSearchClient, capture), collection_id=params["CollectionId"]
            ),
            policies=self._policies,
            max_faces=params.get("MaxFaces", API_DEFAULT_MAX_FACES),
            face_match_threshold=params.get("FaceMatchThreshold", API_DEFAULT_THRESHOLD),
        )
        assert capture.response is not None  # open_case returned, so the search answered
        return RecordedSearch(response=capture.response, case_id=case_id)


def _refuse_s3_image(ctx: WorkflowContext, actor: Actor, collection_id: str) -> None:
    """A case keeps its probe image, so a search must send it; the refusal is on record."""
    from leadreview.search.backend_errors import InvalidSearchRequestError
    from leadreview.workflow.search_failures import record_search_failure

    error = InvalidSearchRequestError(
        "leadreview records every search with its probe image: pass the image as Bytes, "
        "not as an S3Object",
        code="InvalidParameterException",
        operation="SearchFacesByImage",
        collection_id=collection_id,
        image_name="S3Object",
    )
    record_search_failure(
        ctx,
        actor,
        error,
        image=b"",
        image_name="S3Object",
        collection_id=collection_id,
        attempts=0,
    )
    raise error


def _too_large(ctx: WorkflowContext, actor: Actor, image: bytes, collection_id: str) -> None:
    """An image over 5 MB cannot go into a case; its refusal still goes on record."""
    from leadreview.search.backend_errors import from_error_code
    from leadreview.workflow.search_failures import record_search_failure

    error = from_error_code(
        "ImageTooLargeException",
        operation="SearchFacesByImage",
        collection_id=collection_id,
        image_name="request image",
    )
    record_search_failure(
        ctx,
        actor,
        error,
        image=image,
        image_name="request image",
        collection_id=collection_id,
        attempts=0,
    )
    raise error
