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
`search_embeddings` (in `simulated_extensions`; the shared state and plumbing are in
`simulated_core`). Not thread-safe: one client per thread, as the workflow uses it.
"""

from typing import Any, Unpack

import numpy as np

from leadreview.search import face_records, pagination
from leadreview.search.client_errors import ServiceError
from leadreview.search.face_store import FaceStore
from leadreview.search.matching import (
    NO_MATCH,
    EmbeddingSearchResult,
    prepare_queries,
    rank_faces,
)
from leadreview.search.probe_image import read_probe_image, require_face
from leadreview.search.requests import (
    CollectionRequest,
    CreateCollectionRequest,
    DeleteFacesRequest,
    IndexFacesRequest,
    ListCollectionsRequest,
    ListFacesRequest,
    Response,
    SearchFacesByImageRequest,
    SearchFacesRequest,
)
from leadreview.search.simulated_core import (
    DEFAULT_FACE_MATCH_THRESHOLD,
    DEFAULT_MAX_FACES,
    MAX_FACES_PER_COLLECTION,
    Collection,
)
from leadreview.search.simulated_extensions import SimulatorExtensions


class SimulatedRekognition(SimulatorExtensions):
    """A stand-in for `boto3.client("rekognition")` over synthetic faces."""

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
            self._collections[collection_id] = Collection(
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
                budget_bytes=self._search_budget,
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
                budget_bytes=self._search_budget,
            )
            return {
                "SearchedFaceBoundingBox": face_records.bounding_box(probe.image_sha256),
                "SearchedFaceConfidence": face_records.detection_confidence(probe.image_sha256),
                "FaceMatches": self._matches(collection, result),
                "FaceModelVersion": face_records.FACE_MODEL_VERSION,
            }

        return self._call("SearchFacesByImage", params, run)


__all__ = [
    "DEFAULT_FACE_MATCH_THRESHOLD",
    "DEFAULT_MAX_FACES",
    "NO_MATCH",
    "EmbeddingSearchResult",
    "SimulatedRekognition",
]
