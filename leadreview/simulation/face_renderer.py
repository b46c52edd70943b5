"""A procedural, plainly synthetic face drawn from an embedding, degraded by capture quality.

The picture gives a person reviewing leads something to look at; it is never evidence and
never photo-realistic (flat cartoon shapes on purpose). Each visible trait (face shape,
skin tone, hair, eyes, brows, nose, mouth, ears, beard, glasses) is a smooth function of a
fixed random projection of the embedding, so near embeddings look alike and far ones
differ. Everything is deterministic: the same embedding and quality give the same pixels.

Capture quality then degrades the clean drawing: booking and portrait stay clean; a phone
capture gets a slight blur and noise; CCTV is downscaled, blurred, noisy, flat and grey.
"""

import hashlib

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageEnhance, ImageFilter

from leadreview.domain.probe import CaptureQuality
from leadreview.simulation.face_features import (
    Canvas,
    beard,
    brows,
    draw_background,
    eyes,
    face_outline,
    glasses,
    hair_back,
    hair_front,
    mouth,
    nose,
)
from leadreview.simulation.face_traits import (
    BOOKING_SHIRT,
    HAIR,
    SHIRTS,
    SKIN,
    FaceLayout,
    Traits,
    contrasting,
    face_traits,
    lerp,
    mix,
    shade,
)


def _draw_face(t: Traits, size: int, quality: CaptureQuality) -> Image.Image:
    backgrounds = {
        CaptureQuality.BOOKING: (202, 210, 218),
        CaptureQuality.PORTRAIT: (226, 214, 196),
        CaptureQuality.PHONE: (190, 200, 178),
        CaptureQuality.CCTV: (150, 150, 146),
    }
    canvas = Canvas(size, backgrounds[quality])
    draw_background(canvas, quality)
    skin = mix(SKIN, t[3])
    face = FaceLayout(
        cx=0.5,
        cy=0.46,
        a=lerp(0.23, 0.30, t[0]),
        b=lerp(0.30, 0.37, t[1]),
        skin=skin,
        hair=contrasting(mix(HAIR, t[4]), skin),
    )
    cx, cy, a, b = face.head
    shirt = BOOKING_SHIRT if quality is CaptureQuality.BOOKING else mix(SHIRTS, t[21])

    hair_back(canvas, t, face)
    # Shoulders and neck.
    canvas.draw.rounded_rectangle(
        canvas.box(cx, 1.02, 0.44, 0.16), radius=canvas.px * 0.12, fill=shirt
    )
    canvas.draw.rectangle(canvas.box(cx, cy + b * 0.95, a * 0.45, 0.1), fill=shade(skin, 0.88))
    # Ears.
    ear = lerp(0.045, 0.065, t[17])
    for side in (-1, 1):
        canvas.draw.ellipse(
            canvas.box(cx + side * a * 0.98, cy + 0.01, ear * 0.6, ear), fill=shade(skin, 0.93)
        )
    canvas.draw.polygon([canvas.xy(*p) for p in face_outline(t, cx, cy, a, b)], fill=skin)
    # Cheeks: a soft warmth, so the flat face does not look like a mask.
    for side in (-1, 1):
        canvas.draw.ellipse(
            canvas.box(cx + side * a * 0.55, cy + b * 0.28, a * 0.2, a * 0.12),
            fill=shade(skin, 0.97),
        )
    for feature in (beard, hair_front, brows, eyes, nose, mouth, glasses):
        feature(canvas, t, face)
    return canvas.image.resize((size, size), Image.Resampling.LANCZOS)


def _noise(image: Image.Image, sigma: float, rng: np.random.Generator) -> Image.Image:
    pixels = np.asarray(image, dtype=np.float32)
    pixels = pixels + rng.normal(0.0, sigma, size=(*pixels.shape[:2], 1)).astype(np.float32)
    pixels = pixels + rng.normal(0.0, sigma * 0.35, size=pixels.shape).astype(np.float32)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def _degrade(image: Image.Image, quality: CaptureQuality, rng: np.random.Generator) -> Image.Image:
    size = image.width
    if quality is CaptureQuality.PHONE:
        image = image.filter(ImageFilter.GaussianBlur(radius=size / 180))
        image = ImageEnhance.Color(image).enhance(0.9)
        return _noise(image, 5.0, rng)
    if quality is CaptureQuality.CCTV:
        small = max(16, round(size / 2.5))
        image = image.resize((small, small), Image.Resampling.BILINEAR)
        image = image.resize((size, size), Image.Resampling.BILINEAR)
        image = image.filter(ImageFilter.GaussianBlur(radius=size / 200))
        image = ImageEnhance.Contrast(image).enhance(0.7)
        image = ImageEnhance.Color(image).enhance(0.2)
        image = ImageEnhance.Brightness(image).enhance(0.92)
        image = _noise(image, 7.0, rng)
        # A cool, greenish cast and scan lines: the look of a cheap camera.
        pixels = np.asarray(image, dtype=np.float32) * np.array([0.94, 1.0, 0.96], np.float32)
        pixels[::3] *= 0.92
        return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    return image


def render_face(
    embedding: npt.ArrayLike, quality: CaptureQuality = CaptureQuality.BOOKING, size: int = 128
) -> Image.Image:
    """An RGB `size`x`size` cartoon face for `embedding`, as captured at `quality`."""
    if size < 16:
        raise ValueError(f"size must be at least 16 px, got {size}")
    traits = face_traits(embedding)
    image = _draw_face(traits, size, quality)
    raw = np.ascontiguousarray(embedding, dtype=np.float32).tobytes()
    seed = hashlib.sha256(raw + quality.value.encode()).digest()
    return _degrade(image, quality, np.random.default_rng(int.from_bytes(seed[:8], "big")))
