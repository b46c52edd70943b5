"""SearchFacesByImage responses shaped as the service returns them, for Stubber tests."""

import uuid
from typing import Any


def face_id(n: int) -> str:
    return str(uuid.UUID(int=n))


def match(n: int, similarity: float) -> dict[str, Any]:
    return {
        "Similarity": similarity,
        "Face": {
            "FaceId": face_id(n),
            "ImageId": face_id(1000 + n),
            "ExternalImageId": f"booking-{n:05d}",
            "BoundingBox": {"Width": 0.4, "Height": 0.5, "Left": 0.3, "Top": 0.2},
            "Confidence": 99.9,
            "IndexFacesModelVersion": "7.0",
        },
    }


def response(*matches: dict[str, Any]) -> dict[str, Any]:
    return {
        "SearchedFaceBoundingBox": {"Width": 0.5, "Height": 0.6, "Left": 0.2, "Top": 0.1},
        "SearchedFaceConfidence": 99.5,
        "FaceMatches": list(matches),
        "FaceModelVersion": "7.0",
    }
