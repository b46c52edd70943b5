"""A simulated Amazon Rekognition that speaks boto3.

`SimulatedRekognition` has the boto3 `rekognition` client's method names, keyword-only
CamelCase arguments, defaults, limits and error codes for the face-collection operations
leadreview uses; responses are the dicts boto3 returns and validate against the botocore
service model. Errors are `botocore.exceptions.ClientError`s (the subclasses the model
declares, e.g. `InvalidParameterException`) with the real client's `Error` and
`ResponseMetadata` structure; requests that botocore itself would refuse before sending
raise `botocore.exceptions.ParamValidationError`, as with a real client.

It works on synthetic identities only: a face is whatever face descriptor a probe image
carries (see `probe_image`), so it cannot recognise a real person.

Simulator-only extensions, not in boto3, for batch work: `import_faces` and
`search_embeddings`. Not thread-safe: one client per thread, as the workflow uses it.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Unpack

import numpy as np
import numpy.typing as npt

from leadreview.search import face_records, pagination
from leadreview.search.client_errors import (
    RekognitionExceptions,
    ServiceError,
    rekognition_exceptions,
    response_metadata,
    to_client_error,
)
from leadreview.search.face_ids import GalleryIds, SequentialIds
from leadreview.search.face_store import FaceStore
from leadreview.search.gallery_import import (
    check_computed_ids,
    check_external_ids,
    check_gallery,
    check_ids,
)
from leadreview.search.matching import (
    NO_MATCH,
    EmbeddingSearchResult,
    SimilarityMap,
    prepare_queries,
    rank_faces,
)
from leadreview.search.probe_image import read_probe_image, require_face
from leadreview.search.requests import (
    CollectionRequest,
    CreateCollectionRequest,
    DeleteFacesRequest,
    ImageTypeDef,
    IndexFacesRequest,
    ListCollectionsRequest,
    ListFacesRequest,
    Response,
    SearchFacesByImageRequest,
    SearchFacesRequest,
)
from leadreview.search.service_model import validate_request

# FaceMatchThreshold defaults to 80 (API reference). The API reference states no default
# for MaxFaces; the simulator returns up to the model's maximum, 4096, when it is absent.
DEFAULT_FACE_MATCH_THRESHOLD = 80.0
DEFAULT_MAX_FACES = 4096
# "A collection can hold up to 20 million faces" (Rekognition quotas, FACTS.md).
MAX_FACES_PER_COLLECTION = 20_000_000


@dataclass
class _Collection:
    collection_id: str
    arn: str
    created: datetime
    store: FaceStore
    tags: dict[str, str] = field(default_factory=dict)
    indexed_images: int = 0


class SimulatedRekognition:
    """A stand-in for `boto3.client("rekognition")` over synthetic faces."""

    def __init__(
        self,
        similarity: SimilarityMap,
        *,
        dimension: int | None = None,
        region_name: str = "us-east-1",
        account_id: str = "000000000000",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """`similarity` maps cosine similarity to Rekognition's 0-100 `Similarity`
        (vectorised, monotone). `dimension` fixes the embedding size of new collections;
        by default each collection takes it from its first face."""
        self._similarity = similarity
        self._dimension = dimension
        self._region = region_name
        self._account = account_id
        self._clock = clock or (lambda: datetime.now(UTC))
        self._collections: dict[str, _Collection] = {}
        self._requests = 0

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

    def _collection(self, collection_id: str) -> _Collection:
        collection = self._collections.get(collection_id)
        if collection is None:
            raise ServiceError(
                "ResourceNotFoundException",
                f"The collection id: {collection_id} does not exist",
            )
        return collection

    def _face(
        self, collection: _Collection, position: int, face_id: str | None = None
    ) -> dict[str, Any]:
        store = collection.store
        face_id = face_id or store.face_id(position)
        image_id = store.image_ids.get(position) or face_records.derived_uuid("image", face_id)
        return face_records.face_record(face_id, image_id, store.external_id(position))

    def _matches(self, collection: _Collection, result: EmbeddingSearchResult) -> list[Any]:
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

    # -- collections ------------------------------------------------------------------

    def create_collection(self, **params: Unpack[CreateCollectionRequest]) -> Response:
        def run() -> Response:
            collection_id = params["CollectionId"]
            if collection_id in self._collections:
                raise ServiceError(
                    "ResourceAlreadyExistsException",
                    f"The collection id: {collection_id} already exists",
                )
            arn = f"aws:rekognition:{self._region}:{self._account}:collection/{collection_id}"
            self._collections[collection_id] = _Collection(
                collection_id=collection_id,
                arn=arn,
                created=self._clock(),
                store=FaceStore(self._dimension),
                tags=dict(params.get("Tags", {})),
            )
            return {
                "StatusCode": 200,
                "CollectionArn": arn,
                "FaceModelVersion": face_records.FACE_MODEL_VERSION,
            }

        return self._call("CreateCollection", params, run)

    def delete_collection(self, **params: Unpack[CollectionRequest]) -> Response:
        def run() -> Response:
            self._collection(params["CollectionId"])
            del self._collections[params["CollectionId"]]
            return {"StatusCode": 200}

        return self._call("DeleteCollection", params, run)

    def describe_collection(self, **params: Unpack[CollectionRequest]) -> Response:
        def run() -> Response:
            collection = self._collection(params["CollectionId"])
            return {
                "FaceCount": collection.store.face_count,
                "FaceModelVersion": face_records.FACE_MODEL_VERSION,
                "CollectionARN": collection.arn,
                "CreationTimestamp": collection.created,
                "UserCount": 0,
            }

        return self._call("DescribeCollection", params, run)

    def list_collections(self, **params: Unpack[ListCollectionsRequest]) -> Response:
        def run() -> Response:
            names = sorted(self._collections)
            start = pagination.read_token("collections", params.get("NextToken"))
            stop = start + pagination.page_size(params.get("MaxResults"))
            page = names[start:stop]
            response: Response = {
                "CollectionIds": page,
                "FaceModelVersions": [face_records.FACE_MODEL_VERSION] * len(page),
            }
            if stop < len(names):
                response["NextToken"] = pagination.make_token("collections", stop)
            return response

        return self._call("ListCollections", params, run)

    # -- faces ------------------------------------------------------------------------

    def index_faces(self, **params: Unpack[IndexFacesRequest]) -> Response:
        """Index the (one) face of a probe image. An image without a face indexes nothing
        and is not an error, as with Rekognition."""

        def run() -> Response:
            collection = self._collection(params["CollectionId"])
            probe = read_probe_image(self._image_bytes(params["Image"]))
            response: Response = {
                "FaceRecords": [],
                "FaceModelVersion": face_records.FACE_MODEL_VERSION,
                "UnindexedFaces": [],
            }
            if probe.embedding is None:
                return response
            store = collection.store
            (vector,) = prepare_queries(probe.embedding, store.dimension)
            if store.face_count + 1 > MAX_FACES_PER_COLLECTION:
                raise ServiceError(
                    "ServiceQuotaExceededException",
                    f"The collection holds {MAX_FACES_PER_COLLECTION} faces, the most allowed",
                )
            collection.indexed_images += 1
            face_id = face_records.derived_uuid(
                "face", collection.collection_id, str(store.size), probe.image_sha256
            )
            image_id = face_records.derived_uuid("image", probe.image_sha256)
            position = store.append(vector, face_id, params.get("ExternalImageId"))
            store.image_ids[position] = image_id
            response["FaceRecords"] = [
                {
                    "Face": self._face(collection, position),
                    "FaceDetail": face_records.face_detail(face_id),
                }
            ]
            return response

        return self._call("IndexFaces", params, run)

    def list_faces(self, **params: Unpack[ListFacesRequest]) -> Response:
        def run() -> Response:
            collection = self._collection(params["CollectionId"])
            store = collection.store
            scope = "faces/" + collection.collection_id
            start = pagination.read_token(scope, params.get("NextToken"))
            limit = pagination.page_size(params.get("MaxResults"))
            if "UserId" in params:
                candidates = np.zeros(0, dtype=np.int64)  # the simulator has no users
            elif "FaceIds" in params:
                found = {store.position(face_id) for face_id in params["FaceIds"]}
                candidates = np.array(sorted(p for p in found if p is not None), dtype=np.int64)
                candidates = candidates[candidates >= start]
            else:
                candidates = start + np.flatnonzero(store.alive[start:])
            page = candidates[:limit].tolist()
            response: Response = {
                "Faces": [self._face(collection, p) for p in page],
                "FaceModelVersion": face_records.FACE_MODEL_VERSION,
            }
            if len(candidates) > limit:
                response["NextToken"] = pagination.make_token(scope, page[-1] + 1)
            return response

        return self._call("ListFaces", params, run)

    def delete_faces(self, **params: Unpack[DeleteFacesRequest]) -> Response:
        def run() -> Response:
            collection = self._collection(params["CollectionId"])
            store = collection.store
            deleted: list[str] = []
            failed: list[dict[str, Any]] = []
            for face_id in params["FaceIds"]:
                position = store.position(face_id)
                if position is None:
                    failed.append({"FaceId": face_id, "Reasons": ["FACE_NOT_FOUND"]})
                    continue
                store.delete(position)
                deleted.append(face_id)
            response: Response = {"UnsuccessfulFaceDeletions": failed}
            if deleted:  # the model's DeletedFaces holds at least one id
                response["DeletedFaces"] = deleted
            return response

        return self._call("DeleteFaces", params, run)

    # -- search -----------------------------------------------------------------------

    def search_faces(self, **params: Unpack[SearchFacesRequest]) -> Response:
        """Search with an indexed face; the face itself is never among the matches."""

        def run() -> Response:
            collection = self._collection(params["CollectionId"])
            store = collection.store
            position = store.position(params["FaceId"])
            if position is None:
                raise ServiceError(
                    "InvalidParameterException",
                    f"Request has invalid parameters: face id {params['FaceId']} is not "
                    f"in collection {collection.collection_id}",
                )
            result = rank_faces(
                store,
                prepare_queries(store.vectors[position], store.dimension),
                similarity=self._similarity,
                max_faces=params.get("MaxFaces", DEFAULT_MAX_FACES),
                threshold=params.get("FaceMatchThreshold", DEFAULT_FACE_MATCH_THRESHOLD),
                exclude=np.array([position], dtype=np.int64),
            )
            return {
                "SearchedFaceId": params["FaceId"],
                "FaceMatches": self._matches(collection, result),
                "FaceModelVersion": face_records.FACE_MODEL_VERSION,
            }

        return self._call("SearchFaces", params, run)

    def search_faces_by_image(self, **params: Unpack[SearchFacesByImageRequest]) -> Response:
        """Search with the face in a probe image (QualityFilter is accepted and checked;
        every synthetic face passes every quality bar)."""

        def run() -> Response:
            collection = self._collection(params["CollectionId"])
            probe = read_probe_image(self._image_bytes(params["Image"]))
            embedding = require_face(probe)
            result = rank_faces(
                collection.store,
                prepare_queries(embedding, collection.store.dimension),
                similarity=self._similarity,
                max_faces=params.get("MaxFaces", DEFAULT_MAX_FACES),
                threshold=params.get("FaceMatchThreshold", DEFAULT_FACE_MATCH_THRESHOLD),
            )
            return {
                "SearchedFaceBoundingBox": face_records.bounding_box(probe.image_sha256),
                "SearchedFaceConfidence": face_records.detection_confidence(probe.image_sha256),
                "FaceMatches": self._matches(collection, result),
                "FaceModelVersion": face_records.FACE_MODEL_VERSION,
            }

        return self._call("SearchFacesByImage", params, run)

    # -- simulator-only batch extensions ------------------------------------------------

    def import_faces(
        self,
        CollectionId: str,  # noqa: N803 - named as the boto3 operations name it
        Embeddings: npt.NDArray[np.float32],  # noqa: N803
        ExternalImageIds: Sequence[str] | None = None,  # noqa: N803
        FaceIds: Sequence[str] | None = None,  # noqa: N803
        Ids: GalleryIds | None = None,  # noqa: N803
    ) -> range:
        """SIMULATOR ONLY. Add a generated gallery without encoding images.

        `Embeddings` is (n, d) of unit rows; a float32 C-contiguous array (a `np.memmap`
        included) is used as it is when the collection is empty, not copied, so do not
        change it afterwards. `ExternalImageIds` (pattern of IndexFaces) and `FaceIds`
        (UUID-shaped, unique) are per row and stored as given. `Ids` instead computes
        both from the row on demand (a generated gallery: nothing per face is stored,
        only a sample of rows is checked; see `face_ids.GalleryIds`). Without either,
        FaceIds are derived from the collection and row, also on demand. Returns the
        positions given to the rows: position i is row i of a first import, and
        `search_embeddings` reports positions.
        """
        params = {"CollectionId": CollectionId}

        def run() -> Response:
            collection = self._collection(CollectionId)
            store = collection.store
            matrix = check_gallery(Embeddings, store.dimension)
            n = matrix.shape[0]
            if store.face_count + n > MAX_FACES_PER_COLLECTION:
                raise ServiceError(
                    "ServiceQuotaExceededException",
                    f"importing {n} faces would exceed {MAX_FACES_PER_COLLECTION} faces",
                )
            if Ids is not None:
                if FaceIds is not None or ExternalImageIds is not None:
                    raise ServiceError(
                        "InvalidParameterException",
                        "pass Ids, or FaceIds and ExternalImageIds, not both",
                    )
                check_computed_ids(Ids, n, store.contains_id)
                return {"Positions": store.extend_computed(matrix, Ids)}
            if FaceIds is None:
                if ExternalImageIds is not None:
                    check_external_ids(ExternalImageIds, n)
                sequential = SequentialIds(CollectionId, store.size, n, ExternalImageIds)
                check_computed_ids(sequential, n, store.contains_id)
                return {"Positions": store.extend_computed(matrix, sequential)}
            external = [None] * n if ExternalImageIds is None else list(ExternalImageIds)
            check_ids(FaceIds, external, n, store.contains_id)
            return {"Positions": store.extend(matrix, FaceIds, external)}

        response = self._call("ImportFaces", params, run, validate_as="DescribeCollection")
        positions: range = response["Positions"]
        return positions

    def search_embeddings(
        self,
        CollectionId: str,  # noqa: N803 - named as the boto3 operations name it
        Embeddings: npt.ArrayLike,  # noqa: N803
        MaxFaces: int = DEFAULT_MAX_FACES,  # noqa: N803
        FaceMatchThreshold: float = DEFAULT_FACE_MATCH_THRESHOLD,  # noqa: N803
    ) -> EmbeddingSearchResult:
        """SIMULATOR ONLY. `search_faces_by_image` for m probe embeddings at once.

        Same validation (CollectionId, MaxFaces, FaceMatchThreshold as SearchFacesByImage
        checks them), same defaults and the same ranking path, so row i equals the
        FaceMatches of an image carrying `Embeddings[i]`. One BLAS product per block of
        probes; results are numpy arrays (see EmbeddingSearchResult).
        """
        # The embeddings stand in for the image; a placeholder satisfies the model.
        params = {
            "CollectionId": CollectionId,
            "Image": {"Bytes": b"\x00"},
            "MaxFaces": MaxFaces,
            "FaceMatchThreshold": FaceMatchThreshold,
        }

        def run() -> Response:
            collection = self._collection(CollectionId)
            queries = prepare_queries(Embeddings, collection.store.dimension)
            return {
                "Result": rank_faces(
                    collection.store,
                    queries,
                    similarity=self._similarity,
                    max_faces=MaxFaces,
                    threshold=FaceMatchThreshold,
                )
            }

        response = self._call("SearchEmbeddings", params, run, validate_as="SearchFacesByImage")
        result: EmbeddingSearchResult = response["Result"]
        return result


__all__ = [
    "DEFAULT_FACE_MATCH_THRESHOLD",
    "DEFAULT_MAX_FACES",
    "NO_MATCH",
    "EmbeddingSearchResult",
    "SimulatedRekognition",
]
