"""What the workflow needs of a face-search backend.

Both the simulated Rekognition and a real boto3 `rekognition` client satisfy this
structurally: the workflow calls the same operations with the same keyword arguments
and reads the same response shapes, and does not know which backend it talks to.
"""

from typing import Any, Protocol

# Argument names are boto3's own (CamelCase), so that a boto3 client fits structurally.
# ruff: noqa: N803


class FaceSearchClient(Protocol):
    def create_collection(self, *, CollectionId: str, **kwargs: Any) -> dict[str, Any]: ...

    def describe_collection(self, *, CollectionId: str) -> dict[str, Any]: ...

    def index_faces(
        self, *, CollectionId: str, Image: dict[str, Any], **kwargs: Any
    ) -> dict[str, Any]: ...

    def search_faces_by_image(
        self, *, CollectionId: str, Image: dict[str, Any], **kwargs: Any
    ) -> dict[str, Any]: ...
