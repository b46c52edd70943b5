"""The simulated Rekognition client's state and plumbing: collections, request
validation and error shaping, and the `Face` records of its responses.

`SimulatedRekognition` (in `simulated`) adds the boto3 operations on top of it and
`SimulatorExtensions` (in `simulated_extensions`) the batch extensions.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from leadreview.search import face_records
from leadreview.search.client_errors import (
    RekognitionExceptions,
    ServiceError,
    rekognition_exceptions,
    response_metadata,
    to_client_error,
)
from leadreview.search.face_store import FaceStore
from leadreview.search.matching import EmbeddingSearchResult, SimilarityMap
from leadreview.search.requests import ImageTypeDef, Response
from leadreview.search.service_model import validate_request
from leadreview.search.topk import DEFAULT_BUDGET_BYTES

# FaceMatchThreshold defaults to 80 (API reference). The API reference states no default
# for MaxFaces; the simulator returns up to the model's maximum, 4096, when it is absent.
DEFAULT_FACE_MATCH_THRESHOLD = 80.0
DEFAULT_MAX_FACES = 4096
# "A collection can hold up to 20 million faces" (Rekognition quotas, FACTS.md).
MAX_FACES_PER_COLLECTION = 20_000_000


@dataclass
class Collection:
    collection_id: str
    arn: str
    created: datetime
    store: FaceStore
    tags: dict[str, str] = field(default_factory=dict)
    indexed_images: int = 0


class SimulatorCore:
    """The client's state and plumbing, shared by the boto3 operations and the
    simulator-only extensions."""

    def __init__(
        self,
        similarity: SimilarityMap,
        *,
        dimension: int | None = None,
        region_name: str = "us-east-1",
        account_id: str = "000000000000",
        clock: Callable[[], datetime] | None = None,
        search_budget_bytes: int = DEFAULT_BUDGET_BYTES,
    ) -> None:
        """`similarity` maps cosine similarity to Rekognition's 0-100 `Similarity`
        (vectorised, monotone). `dimension` fixes the embedding size of new collections;
        by default each collection takes it from its first face.
        `search_budget_bytes` bounds a search's working memory above the gallery (see
        `topk`), whatever the number of probes and faces."""
        self._similarity = similarity
        self._dimension = dimension
        self._region = region_name
        self._account = account_id
        self._clock = clock or (lambda: datetime.now(UTC))
        self._collections: dict[str, Collection] = {}
        self._requests = 0
        self._search_budget = search_budget_bytes

    @property
    def exceptions(self) -> RekognitionExceptions:
        """As `client.exceptions` on a real client: `except rek.exceptions.X`. These are
        the classes botocore builds from the model, but not the very classes of a real
        client's session: catch `ClientError` and read the code to serve both backends."""
        return rekognition_exceptions()

    # -- plumbing ---------------------------------------------------------------------

    def _call(
        self,
        operation: str,
        params: Mapping[str, Any],
        handler: Callable[[], Response],
        *,
        validate_as: str | None = None,
    ) -> Response:
        """Validate as client and service would (against `validate_as`'s input shape for the
        extensions), run, and shape the result or the error."""
        self._requests += 1
        try:
            validate_request(validate_as or operation, params)
            response = handler()
        except ServiceError as error:
            raise to_client_error(error, operation, self._requests) from None
        response["ResponseMetadata"] = response_metadata(self._requests, 200)
        return response

    def _collection(self, collection_id: str) -> Collection:
        collection = self._collections.get(collection_id)
        if collection is None:
            raise ServiceError(
                "ResourceNotFoundException",
                f"The collection id: {collection_id} does not exist",
            )
        return collection

    def _face(
        self, collection: Collection, position: int, face_id: str | None = None
    ) -> dict[str, Any]:
        store = collection.store
        face_id = face_id or store.face_id(position)
        image_id = store.image_ids.get(position) or face_records.derived_uuid("image", face_id)
        return face_records.face_record(face_id, image_id, store.external_id(position))

    def _matches(self, collection: Collection, result: EmbeddingSearchResult) -> list[Any]:
        return [
            {"Similarity": similarity, "Face": self._face(collection, position, face_id)}
            for position, face_id, similarity in result.row(0)
        ]

    @staticmethod
    def _image_bytes(image: ImageTypeDef) -> bytes:
        if "S3Object" in image:
            s3 = image["S3Object"]
            raise ServiceError(
                "InvalidS3ObjectException",
                f"Unable to get object metadata from S3 (s3://{s3.get('Bucket', '')}/"
                f"{s3.get('Name', '')}): the simulator has no S3; pass the image as Bytes",
            )
        if "Bytes" not in image:
            raise ServiceError(
                "InvalidParameterException", "Request has invalid parameters: no image"
            )
        return bytes(image["Bytes"])
