"""The probe-image format: a PNG or JPEG whose metadata carries the simulator's face descriptor.

The pixels show a rendered synthetic face for people to look at; the *descriptor* is what
the simulated Rekognition "detects". An image without one has no face as far as the
simulator can tell, so it answers as Rekognition answers an image without a face
(`InvalidParameterException`). That is why the simulator cannot identify a real person.

Descriptor text (one line, ASCII), stored in a PNG iTXt chunk under `DESCRIPTOR_KEY` or a
JPEG COM segment::

    lrfd/1;dim=128;dtype=float32le;sha256=<16 hex of the raw bytes>;data=<base64>

float32 rather than float16: 512 bytes is nothing next to the pixels, and an exact round
trip lets the image path and the batch path (`search_embeddings`) agree bit for bit.
"""

import base64
import binascii
import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from PIL import Image, PngImagePlugin

from leadreview.search.client_errors import ServiceError

Embedding = npt.NDArray[np.float32]
ImageFormat = Literal["PNG", "JPEG"]

DESCRIPTOR_KEY = "leadreview:face-descriptor"
DESCRIPTOR_VERSION = "lrfd/1"
# Rekognition's limits for images passed as bytes (API reference, "Image"; the model's
# ImageBlob max) and its smallest accepted side.
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MIN_IMAGE_SIDE = 80

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"
_DIGEST_CHARS = 16
# Far above any embedding value (they are near unit length), far below float32 overflow.
MAX_DESCRIPTOR_VALUE = 1e6


@dataclass(frozen=True)
class ProbeFace:
    """A readable PNG/JPEG and what the simulator 'detects' in it (None: no face)."""

    embedding: Embedding | None
    width: int
    height: int
    image_format: ImageFormat
    image_sha256: str


def encode_face_descriptor(embedding: npt.ArrayLike) -> str:
    vector = np.ascontiguousarray(embedding, dtype="<f4")
    if vector.ndim != 1 or vector.size == 0:
        raise ValueError(f"a face descriptor is a 1-D vector, got shape {vector.shape}")
    if not np.all(np.isfinite(vector)) or not np.any(vector):
        raise ValueError("a face descriptor must be finite and non-zero")
    raw = vector.tobytes()
    digest = hashlib.sha256(raw).hexdigest()[:_DIGEST_CHARS]
    data = base64.b64encode(raw).decode("ascii")
    return f"{DESCRIPTOR_VERSION};dim={vector.size};dtype=float32le;sha256={digest};data={data}"


def parse_face_descriptor(text: str) -> Embedding | None:
    """The embedding in a descriptor line, or None if it is not a valid descriptor (wrong
    version, damaged, or checksum mismatch: a damaged descriptor is no face at all)."""
    parts = text.strip().split(";")
    if len(parts) != 5 or parts[0] != DESCRIPTOR_VERSION:
        return None
    fields = dict(part.split("=", 1) for part in parts[1:] if "=" in part)
    dim = fields.get("dim", "")
    # A bounded dim before int(): thousands of digits would raise, not answer "no face".
    if fields.get("dtype") != "float32le" or not (dim.isdigit() and len(dim) <= 6):
        return None
    try:
        raw = base64.b64decode(fields.get("data", ""), validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 4 * int(fields["dim"]) or len(raw) == 0:
        return None
    if hashlib.sha256(raw).hexdigest()[:_DIGEST_CHARS] != fields.get("sha256"):
        return None
    vector = np.frombuffer(raw, dtype="<f4").astype(np.float32)
    if not np.all(np.isfinite(vector)) or not np.any(vector):
        return None
    # Embeddings are near unit length; values like 3e38 overflow the cosine to inf/NaN
    # (every similarity 0.00 and a numpy warning), so such a descriptor is no face.
    if float(np.max(np.abs(vector))) > MAX_DESCRIPTOR_VALUE:
        return None
    return vector


def encode_probe_image(
    embedding: npt.ArrayLike,
    face_pixels: Image.Image,
    fmt: ImageFormat = "PNG",
    *,
    jpeg_quality: int = 90,
) -> bytes:
    """The bytes of a probe image: `face_pixels` saved as `fmt`, carrying the descriptor."""
    descriptor = encode_face_descriptor(embedding)
    rgb = face_pixels.convert("RGB")
    buffer = io.BytesIO()
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_itxt(DESCRIPTOR_KEY, descriptor)
        rgb.save(buffer, "PNG", pnginfo=info)
    elif fmt == "JPEG":
        rgb.save(buffer, "JPEG", quality=jpeg_quality, comment=descriptor.encode("ascii"))
    else:
        raise ValueError(f"probe images are PNG or JPEG, not {fmt!r}")
    return buffer.getvalue()


def sniff_format(data: bytes) -> ImageFormat | None:
    """PNG or JPEG by signature, as the service decides, whatever the file is named."""
    if data.startswith(_PNG_MAGIC):
        return "PNG"
    if data.startswith(_JPEG_MAGIC):
        return "JPEG"
    return None


def _descriptor_text(image: Image.Image, image_format: ImageFormat) -> str | None:
    if image_format == "PNG":
        text = image.info.get(DESCRIPTOR_KEY)
        return text if isinstance(text, str) else None
    # A JPEG may hold several COM segments; take the one that is ours.
    applist: list[tuple[str, bytes]] = getattr(image, "applist", [])
    for marker, payload in applist:
        if marker == "COM" and payload.startswith(DESCRIPTOR_VERSION.encode("ascii")):
            return payload.decode("ascii", errors="replace")
    return None


def decode_face_descriptor(data: bytes) -> Embedding | None:
    """The embedding carried by a PNG/JPEG probe image; None if there is none (or the bytes
    are not a readable PNG/JPEG)."""
    image_format = sniff_format(data)
    if image_format is None:
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            text = _descriptor_text(image, image_format)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    return None if text is None else parse_face_descriptor(text)


def read_probe_image(data: bytes) -> ProbeFace:
    """Check an image as Rekognition does and 'detect' its face (None if it has none).

    Raises ServiceError with Rekognition's codes: ImageTooLargeException (over 5 MB),
    InvalidImageFormatException (not a readable PNG or JPEG), InvalidParameterException
    (under 80 px on a side). Whether a missing face is an error depends on the operation
    (SearchFacesByImage: yes, see `require_face`; IndexFaces: no, it indexes nothing).
    """
    if len(data) > MAX_IMAGE_BYTES:
        raise ServiceError(
            "ImageTooLargeException",
            f"Image size is too large: {len(data)} bytes; images passed as bytes may be "
            f"at most {MAX_IMAGE_BYTES} bytes (5 MB)",
        )
    image_format = sniff_format(data)
    if image_format is None:
        raise ServiceError(
            "InvalidImageFormatException",
            "Request has unsupported image format: the image must be a PNG or JPEG file",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                width, height = image.size
                text = _descriptor_text(image, image_format)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ServiceError("ImageTooLargeException", f"Image size is too large: {exc}") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ServiceError(
            "InvalidImageFormatException",
            f"Request has unsupported image format: the {image_format} data cannot be decoded",
        ) from exc
    if min(width, height) < MIN_IMAGE_SIDE:
        raise ServiceError(
            "InvalidParameterException",
            f"Request has invalid parameters: the image is {width}x{height} px; "
            f"each side must be at least {MIN_IMAGE_SIDE} px",
        )
    return ProbeFace(
        embedding=None if text is None else parse_face_descriptor(text),
        width=width,
        height=height,
        image_format=image_format,
        image_sha256=hashlib.sha256(data).hexdigest(),
    )


def require_face(probe: ProbeFace) -> Embedding:
    """The probe's face, or Rekognition's answer to an image without one."""
    if probe.embedding is None:
        raise ServiceError(
            "InvalidParameterException",
            "There are no faces in the image. Should be at least 1. (The simulator detects "
            "only faces that carry its own synthetic face descriptor; it cannot recognise "
            "a real person.)",
        )
    return probe.embedding
