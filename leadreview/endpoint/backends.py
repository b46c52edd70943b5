"""What the endpoint calls: the journaled simulator, or real Rekognition (`--upstream aws`).

Both answer `call(operation, params)` with a boto3-shaped response dict and raise what a
boto3 client raises (`ClientError`, `ParamValidationError`), so the server converts
errors one way for both. The simulator is wrapped so that every change is journaled
(see `collections`) and so that it answers DetectFaces, which clients call before
indexing, from the probe image's descriptor.
"""

from typing import Any, Protocol

from leadreview.endpoint.collections import PersistentCollections

# Operations that change a collection: journaled by the simulator, audited by the server.
CHANGES = frozenset({"CreateCollection", "DeleteCollection", "IndexFaces", "DeleteFaces"})
SEARCHES = frozenset({"SearchFacesByImage", "SearchFaces"})
SUPPORTED = (
    CHANGES
    | SEARCHES
    | {
        "DescribeCollection",
        "ListCollections",
        "ListFaces",
        "DetectFaces",
    }
)


def method_name(operation: str) -> str:
    from botocore import xform_name

    return str(xform_name(operation))


class Backend(Protocol):
    @property
    def search_client(self) -> Any:
        """The client the workflow's search runs through (boto3's method names)."""

    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]: ...


class SimulatedBackend:
    def __init__(self, collections: PersistentCollections) -> None:
        self._collections = collections

    @property
    def search_client(self) -> Any:
        return _LockedSearches(self._collections)

    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        collections = self._collections
        client = collections.client
        if operation == "DetectFaces":
            return detect_faces(params)
        method = getattr(client, method_name(operation))
        if operation not in CHANGES:
            with collections.lock.reading():
                response: dict[str, Any] = method(**params)
            return response
        with collections.lock.writing():
            response = method(**params)
            collection_id = params["CollectionId"]
            if operation == "CreateCollection":
                described = client.describe_collection(CollectionId=collection_id)
                collections.created(
                    collection_id, dict(params.get("Tags", {})), described["CreationTimestamp"]
                )
            elif operation == "DeleteCollection":
                collections.dropped(collection_id)
            elif operation == "IndexFaces":
                collections.indexed(
                    collection_id,
                    bytes(params["Image"]["Bytes"]),
                    response,
                    params.get("ExternalImageId"),
                )
            else:
                collections.deleted_faces(collection_id, list(response.get("DeletedFaces", [])))
        return response


class _LockedSearches:
    """The simulator's searches under the read lock (the workflow calls these)."""

    def __init__(self, collections: PersistentCollections) -> None:
        self._collections = collections

    def search_faces_by_image(self, **params: Any) -> dict[str, Any]:
        with self._collections.lock.reading():
            response: dict[str, Any] = self._collections.client.search_faces_by_image(**params)
        return response

    def search_faces(self, **params: Any) -> dict[str, Any]:
        with self._collections.lock.reading():
            response: dict[str, Any] = self._collections.client.search_faces(**params)
        return response


class UpstreamBackend:
    """Real Rekognition through a boto3 client (its own credentials, region, retries)."""

    def __init__(self, client: Any) -> None:
        self._client = client

    @property
    def search_client(self) -> Any:
        return self._client

    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        response: dict[str, Any] = getattr(self._client, method_name(operation))(**params)
        return response


def detect_faces(params: dict[str, Any]) -> dict[str, Any]:
    """DetectFaces on a probe image: one face if it carries a descriptor, none otherwise
    (as Rekognition answers a picture without a face: an empty list, not an error)."""
    from leadreview.search import face_records
    from leadreview.search.client_errors import ServiceError, to_client_error
    from leadreview.search.probe_image import read_probe_image

    image = params["Image"]
    try:
        if "Bytes" not in image:
            raise ServiceError(
                "InvalidS3ObjectException",
                "Unable to get object metadata from S3: the simulator has no S3; pass Bytes",
            )
        probe = read_probe_image(bytes(image["Bytes"]))
    except ServiceError as error:
        raise to_client_error(error, "DetectFaces", 0) from None
    details = [] if probe.embedding is None else [face_records.face_detail(probe.image_sha256)]
    return {"FaceDetails": details}
