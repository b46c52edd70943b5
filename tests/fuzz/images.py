"""Hostile images for the harness: real PNGs whose headers, descriptors or bytes lie."""

import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, PngImagePlugin

from leadreview.search.probe_image import (
    DESCRIPTOR_KEY,
    DESCRIPTOR_VERSION,
    encode_probe_image,
    parse_face_descriptor,
)


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def declared_size_png(width: int, height: int) -> bytes:
    """A few hundred bytes of PNG whose header declares width x height grey pixels: Pillow
    reads the header and, past its bomb limit, refuses before decoding anything."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 4096)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", rows)
        + _chunk(b"IEND", b"")
    )


def pixels_of(probe: Path) -> Image.Image:
    with Image.open(probe) as image:
        return image.convert("RGB")


def with_descriptor_text(probe: Path, text: str) -> bytes:
    """The probe's pixels carrying `text` as its face descriptor, whatever that says."""
    info = PngImagePlugin.PngInfo()
    info.add_itxt(DESCRIPTOR_KEY, text)
    buffer = io.BytesIO()
    pixels_of(probe).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue()


def with_embedding(probe: Path, values: np.ndarray) -> bytes:
    """The probe's pixels with a correctly check-summed descriptor of `values`."""
    return encode_probe_image(values, pixels_of(probe))


def probe_dims(probe: Path) -> int:
    with Image.open(probe) as image:
        text = image.info[DESCRIPTOR_KEY]
    vector = parse_face_descriptor(text)
    assert vector is not None
    return int(vector.size)


def huge_dim_descriptor(digits: int) -> str:
    return f"{DESCRIPTOR_VERSION};dim={'9' * digits};dtype=float32le;sha256=00;data=AAAA"
