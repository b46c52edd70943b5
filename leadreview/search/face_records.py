"""Deterministic face metadata: ids, bounding boxes and detection confidences.

Rekognition assigns these; the simulator derives them from a key (a face id, an image
digest) so that the same world gives the same responses run after run, and nothing in a
response is drawn at random per call.
"""

import hashlib
import uuid
from typing import Any

# Rekognition's current face model version; collections created today report it.
FACE_MODEL_VERSION = "7.0"

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://leadreview.invalid/simulated-rekognition")


def derived_uuid(*parts: str) -> str:
    """A UUID-shaped id (lower-case hex, as the model's FaceId/ImageId pattern wants)."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def _fractions(key: str, count: int) -> list[float]:
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return [int.from_bytes(digest[2 * i : 2 * i + 2], "big") / 65536.0 for i in range(count)]


def bounding_box(key: str) -> dict[str, float]:
    """A face box near the centre of a head-and-shoulders picture, jittered per key."""
    w, h, dx, dy = _fractions("box/" + key, 4)
    width = 0.50 + 0.10 * w
    height = 0.60 + 0.10 * h
    return {
        "Width": round(width, 6),
        "Height": round(height, 6),
        "Left": round((1.0 - width) / 2 + 0.06 * (dx - 0.5), 6),
        "Top": round(0.12 + 0.06 * dy, 6),
    }


def detection_confidence(key: str) -> float:
    """Confidence that the box holds a face: synthetic faces are always clear faces."""
    (f,) = _fractions("confidence/" + key, 1)
    return round(99.9 + 0.0999 * f, 4)


def face_detail(key: str) -> dict[str, Any]:
    """The DEFAULT attributes of a FaceDetail (IndexFaces' FaceRecords)."""
    roll, yaw, pitch, brightness, sharpness = _fractions("detail/" + key, 5)
    return {
        "BoundingBox": bounding_box(key),
        "Confidence": detection_confidence(key),
        "Pose": {
            "Roll": round(10 * (roll - 0.5), 3),
            "Yaw": round(10 * (yaw - 0.5), 3),
            "Pitch": round(10 * (pitch - 0.5), 3),
        },
        "Quality": {
            "Brightness": round(60 + 30 * brightness, 3),
            "Sharpness": round(70 + 25 * sharpness, 3),
        },
    }


def face_record(face_id: str, image_id: str, external_image_id: str | None) -> dict[str, Any]:
    """A `Face` as ListFaces, IndexFaces and the searches return it."""
    face: dict[str, Any] = {
        "FaceId": face_id,
        "BoundingBox": bounding_box(face_id),
        "ImageId": image_id,
        "Confidence": detection_confidence(face_id),
        "IndexFacesModelVersion": FACE_MODEL_VERSION,
    }
    if external_image_id is not None:
        face["ExternalImageId"] = external_image_id
    return face
