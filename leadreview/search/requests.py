"""Request and response types of the operations the simulator speaks.

Requests are TypedDicts, so `client.search_faces_by_image(**request)` type-checks against
the same names and types as boto3 (keyword-only, CamelCase). Responses are plain dicts
shaped by the botocore model, as boto3 returns them.
"""

from typing import Any, Literal, NotRequired, TypedDict

Response = dict[str, Any]

QualityFilter = Literal["NONE", "AUTO", "LOW", "MEDIUM", "HIGH"]


class S3ObjectTypeDef(TypedDict):
    Bucket: NotRequired[str]
    Name: NotRequired[str]
    Version: NotRequired[str]


class ImageTypeDef(TypedDict):
    Bytes: NotRequired[bytes]
    S3Object: NotRequired[S3ObjectTypeDef]


class CreateCollectionRequest(TypedDict):
    CollectionId: str
    Tags: NotRequired[dict[str, str]]


class CollectionRequest(TypedDict):
    CollectionId: str


class ListCollectionsRequest(TypedDict):
    NextToken: NotRequired[str]
    MaxResults: NotRequired[int]


class IndexFacesRequest(TypedDict):
    CollectionId: str
    Image: ImageTypeDef
    ExternalImageId: NotRequired[str]
    DetectionAttributes: NotRequired[list[str]]
    MaxFaces: NotRequired[int]
    QualityFilter: NotRequired[QualityFilter]


class ListFacesRequest(TypedDict):
    CollectionId: str
    NextToken: NotRequired[str]
    MaxResults: NotRequired[int]
    UserId: NotRequired[str]
    FaceIds: NotRequired[list[str]]


class DeleteFacesRequest(TypedDict):
    CollectionId: str
    FaceIds: list[str]


class SearchFacesRequest(TypedDict):
    CollectionId: str
    FaceId: str
    MaxFaces: NotRequired[int]
    FaceMatchThreshold: NotRequired[float]


class SearchFacesByImageRequest(TypedDict):
    CollectionId: str
    Image: ImageTypeDef
    MaxFaces: NotRequired[int]
    FaceMatchThreshold: NotRequired[float]
    QualityFilter: NotRequired[QualityFilter]
