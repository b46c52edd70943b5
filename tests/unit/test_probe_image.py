"""The probe-image format: a PNG/JPEG carrying the simulator's face descriptor."""

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image

from leadreview.search.client_errors import ServiceError
from leadreview.search.probe_image import (
    DESCRIPTOR_KEY,
    MAX_IMAGE_BYTES,
    decode_face_descriptor,
    encode_face_descriptor,
    encode_probe_image,
    parse_face_descriptor,
    read_probe_image,
    require_face,
)
from leadreview.search.service_model import service_model

FACE = Image.new("RGB", (96, 96), (120, 110, 100))
# Finite and not tiny, drawn directly rather than filtered (filtering most draws away
# trips Hypothesis's filter_too_much health check): the same set, |x| in (1e-6, 10].
_TINY = float(np.float32(1e-6))
finite = st.one_of(
    st.floats(_TINY, 10, exclude_min=True, width=32),
    st.floats(-10, -_TINY, exclude_max=True, width=32),
)


@settings(max_examples=40, deadline=None)
@given(
    embedding=arrays(np.float32, st.integers(1, 256), elements=finite),
    fmt=st.sampled_from(["PNG", "JPEG"]),
)
def test_descriptor_round_trip(embedding: np.ndarray, fmt: str) -> None:
    data = encode_probe_image(embedding, FACE, fmt)  # type: ignore[arg-type]
    decoded = decode_face_descriptor(data)
    assert decoded is not None
    assert decoded.dtype == np.float32
    assert np.array_equal(decoded, embedding)  # exact: the descriptor is float32
    probe = read_probe_image(data)
    assert probe.image_format == fmt and (probe.width, probe.height) == (96, 96)
    assert np.array_equal(require_face(probe), embedding)


def test_the_descriptor_lives_in_metadata() -> None:
    embedding = np.linspace(-1, 1, 128, dtype=np.float32)
    png = Image.open(io.BytesIO(encode_probe_image(embedding, FACE, "PNG")))
    assert png.info[DESCRIPTOR_KEY].startswith("lrfd/1;dim=128;")
    jpeg = Image.open(io.BytesIO(encode_probe_image(embedding, FACE, "JPEG")))
    assert jpeg.info["comment"].startswith(b"lrfd/1;dim=128;")


def test_damaged_descriptors_are_no_face() -> None:
    text = encode_face_descriptor(np.ones(8, dtype=np.float32))
    assert parse_face_descriptor(text) is not None
    digest = text.split(";")[3]
    assert parse_face_descriptor(text.replace(digest, "sha256=0000000000000000")) is None
    assert parse_face_descriptor(text.replace("lrfd/1", "lrfd/9")) is None
    assert parse_face_descriptor(text.replace("dim=8", "dim=9")) is None
    assert parse_face_descriptor(text[:-4]) is None
    assert parse_face_descriptor("hello") is None


def test_images_without_a_descriptor_have_no_face() -> None:
    buffer = io.BytesIO()
    FACE.save(buffer, "JPEG", comment=b"a real photograph")
    assert decode_face_descriptor(buffer.getvalue()) is None
    probe = read_probe_image(buffer.getvalue())
    assert probe.embedding is None
    with pytest.raises(ServiceError) as raised:
        require_face(probe)
    assert raised.value.code == "InvalidParameterException"
    assert decode_face_descriptor(b"not an image") is None


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"BM" + b"\x00" * 100, "InvalidImageFormatException"),
        (b"\xff\xd8\xff" + b"\x00" * 100, "InvalidImageFormatException"),
        (
            encode_probe_image(np.ones(4), Image.new("RGB", (200, 40)), "PNG"),
            "InvalidParameterException",
        ),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (MAX_IMAGE_BYTES), "ImageTooLargeException"),
    ],
    ids=["bmp", "broken-jpeg", "too-small", "too-large"],
)
def test_image_checks(data: bytes, code: str) -> None:
    with pytest.raises(ServiceError) as raised:
        read_probe_image(data)
    assert raised.value.code == code


def test_limits_match_the_service_model() -> None:
    assert service_model().shape_for("ImageBlob").metadata["max"] == MAX_IMAGE_BYTES


def test_encoder_refuses_what_is_not_a_face() -> None:
    with pytest.raises(ValueError, match="finite"):
        encode_probe_image(np.zeros(8), FACE)
    with pytest.raises(ValueError, match="1-D"):
        encode_probe_image(np.ones((2, 2)), FACE)
    with pytest.raises(ValueError, match="PNG or JPEG"):
        encode_probe_image(np.ones(8), FACE, "GIF")  # type: ignore[arg-type]
