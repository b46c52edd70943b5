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
import math
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from leadreview.domain.probe import CaptureQuality

RGB = tuple[int, int, int]

_SUPERSAMPLE = 4  # draw large, then downsample: smooth edges without antialiasing support
_PROJECTION_SEED = 0x1EAD_FACE  # fixed: the same embedding always draws the same face
_TRAITS = 22

# Palettes are ordered so that a small change of trait moves to a neighbouring colour.
_SKIN = [(255, 224, 196), (241, 194, 160), (224, 172, 130), (198, 134, 94), (141, 85, 54)]
_SKIN += [(96, 58, 38)]
_HAIR = [(24, 20, 18), (60, 40, 28), (104, 70, 44), (150, 80, 40), (210, 170, 100)]
_HAIR += [(160, 158, 152)]
_IRIS = [(70, 45, 25), (110, 80, 40), (95, 120, 70), (70, 110, 150), (120, 130, 140)]
_SHIRTS = [(70, 90, 130), (130, 60, 60), (60, 110, 90), (90, 90, 90), (150, 120, 70)]
_BOOKING_SHIRT = (214, 110, 50)  # jail-issue orange: a booking photo reads as one


@dataclass(frozen=True)
class _Traits:
    """Every trait in [0, 1], from one projection of the embedding each."""

    values: tuple[float, ...]

    def __getitem__(self, i: int) -> float:
        return self.values[i]


_Oval = tuple[float, float, float, float]  # centre x, centre y, half-width, half-height


@dataclass(frozen=True)
class _Face:
    """Where the features go (unit coordinates) and the face's colours."""

    cx: float
    cy: float
    a: float  # half-width of the head
    b: float  # half-height of the head
    skin: RGB
    hair: RGB

    @property
    def head(self) -> _Oval:
        return (self.cx, self.cy, self.a, self.b)

    @property
    def eye_y(self) -> float:
        return self.cy - self.b * 0.05

    @property
    def mouth_y(self) -> float:
        return self.cy + self.b * 0.55


@cache
def _projection(dimension: int) -> npt.NDArray[np.float64]:
    """(dimension, traits) unit columns, fixed for all time by the seed."""
    rng = np.random.default_rng(_PROJECTION_SEED + dimension)
    directions = rng.standard_normal((dimension, _TRAITS))
    return np.asarray(directions / np.linalg.norm(directions, axis=0), dtype=np.float64)


def _traits(embedding: npt.ArrayLike) -> _Traits:
    vector = np.asarray(embedding, dtype=np.float64).ravel()
    norm = float(np.linalg.norm(vector))
    if vector.size == 0 or not math.isfinite(norm) or norm == 0.0:
        raise ValueError("a face is drawn from a finite, non-zero embedding")
    # A projection of a random unit vector has standard deviation 1/sqrt(d): rescale to
    # N(0, 1), then the normal CDF spreads traits evenly over [0, 1].
    z = (vector / norm) @ _projection(vector.size) * math.sqrt(vector.size)
    return _Traits(tuple(0.5 * (1.0 + math.erf(float(v) / math.sqrt(2.0))) for v in z))


def _mix(palette: list[RGB], t: float) -> RGB:
    """A colour along a palette, blending neighbours (smooth in t)."""
    x = min(max(t, 0.0), 1.0) * (len(palette) - 1)
    i = min(int(x), len(palette) - 2)
    f = x - i
    a, b = palette[i], palette[i + 1]
    return (
        round(a[0] + (b[0] - a[0]) * f),
        round(a[1] + (b[1] - a[1]) * f),
        round(a[2] + (b[2] - a[2]) * f),
    )


def _shade(colour: RGB, factor: float) -> RGB:
    return (
        min(255, round(colour[0] * factor)),
        min(255, round(colour[1] * factor)),
        min(255, round(colour[2] * factor)),
    )


def _luma(colour: RGB) -> float:
    return 0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2]


def _contrasting(hair: RGB, skin: RGB) -> RGB:
    """Hair that stands out from the skin: a cartoon needs the outline of the head."""
    if abs(_luma(hair) - _luma(skin)) >= 45:
        return hair
    darker = _shade(hair, 0.45)
    if abs(_luma(darker) - _luma(skin)) >= 30:
        return darker
    return _mix([hair, (236, 226, 210)], 0.6)  # very dark skin, dark hair: go grey-blond


def _lerp(lo: float, hi: float, t: float) -> float:
    return lo + (hi - lo) * t


class _Canvas:
    """Drawing in unit coordinates (0..1 on both axes) on a supersampled square."""

    def __init__(self, size: int, background: RGB) -> None:
        self.px = size * _SUPERSAMPLE
        self.image = Image.new("RGB", (self.px, self.px), background)
        self.draw = ImageDraw.Draw(self.image)

    def xy(self, x: float, y: float) -> tuple[float, float]:
        return (x * self.px, y * self.px)

    def box(self, cx: float, cy: float, rx: float, ry: float) -> list[float]:
        return [(cx - rx) * self.px, (cy - ry) * self.px, (cx + rx) * self.px, (cy + ry) * self.px]

    def width(self, w: float) -> int:
        return max(1, round(w * self.px))

    def _arc_points(self, oval: _Oval, start: float, end: float) -> list[tuple[float, float]]:
        cx, cy, rx, ry = oval
        steps = max(8, round(abs(end - start) / 3))
        angles = np.radians(np.linspace(start, end, steps + 1))
        return [self.xy(cx + rx * math.cos(t), cy + ry * math.sin(t)) for t in angles]

    # Chords and pie slices as polygons: Pillow's own spill across the image for some
    # fractional angles. Angles in degrees, clockwise from three o'clock, as in Pillow.
    def chord(self, oval: _Oval, start: float, end: float, fill: RGB) -> None:
        self.draw.polygon(self._arc_points(oval, start, end), fill=fill)

    def pieslice(self, oval: _Oval, start: float, end: float, fill: RGB) -> None:
        points = [self.xy(oval[0], oval[1]), *self._arc_points(oval, start, end)]
        self.draw.polygon(points, fill=fill)


def _background(canvas: _Canvas, quality: CaptureQuality) -> None:
    if quality is CaptureQuality.BOOKING:
        # The height chart behind a booking photo.
        for k in range(1, 10):
            y = k / 10
            canvas.draw.line([canvas.xy(0, y), canvas.xy(1, y)], fill=(176, 186, 196), width=2)


def _face_outline(
    t: _Traits, cx: float, cy: float, a: float, b: float
) -> list[tuple[float, float]]:
    """Upper half an ellipse, lower half narrowing to a chin that is rounder or squarer."""
    squareness = _lerp(0.0, 0.35, t[2])
    points = []
    for k in range(120):
        theta = 2 * math.pi * k / 120
        s, c = math.sin(theta), math.cos(theta)
        if s > 0:  # lower half (y grows downwards)
            c *= 1.0 - (0.28 - squareness * 0.6) * s**2
            s = math.copysign(abs(s) ** (1.0 - squareness * 0.5), s)
        points.append((cx + a * c, cy + b * s))
    return points


def _hair_style(t: _Traits) -> int:
    """0 close crop, 1 side part, 2 receding (the rarest), 3 long, 4 full."""
    return sum(t[5] >= edge for edge in (0.22, 0.45, 0.55, 0.78))


def _hair_back(canvas: _Canvas, t: _Traits, face: _Face) -> None:
    """Hair behind the head: drawn first, the face covers most of it."""
    cx, cy, a, b = face.head
    hair = face.hair
    style = _hair_style(t)
    volume = _lerp(0.012, 0.05, t[6])
    if style == 2:
        return  # receding: tufts at the sides only, drawn in front
    if style == 3:  # long hair falls behind the shoulders
        canvas.draw.rounded_rectangle(
            canvas.box(cx, cy + 0.14, a + volume + 0.02, b * 0.95),
            radius=canvas.px * 0.1,
            fill=hair,
        )
    if style == 4:
        volume += 0.05
    if style == 0:
        volume = 0.008
    canvas.draw.ellipse(canvas.box(cx, cy - volume * 0.8, a + volume, b + volume), fill=hair)


def _hair_front(canvas: _Canvas, t: _Traits, face: _Face) -> None:
    """The hairline over the forehead: a chord of the head's ellipse, deeper or
    shallower per face."""
    cx, cy, a, b = face.head
    style = _hair_style(t)
    scalp = (cx, cy, a * 1.01, b * 1.01)
    if style == 2:
        for start in (192, 318):
            canvas.chord(scalp, start, start + 30, face.hair)
        return
    depth = _lerp(0.0, 14.0, t[6])  # degrees: how far the hairline comes down
    canvas.chord(scalp, 204 - depth, 336 + depth, face.hair)
    if style == 1:  # a side sweep from the parting
        canvas.pieslice((cx - a * 0.3, cy - b * 0.52, a * 0.8, b * 0.3), 180, 350, face.hair)


def _spacing(t: _Traits, face: _Face) -> float:
    return face.a * _lerp(0.36, 0.50, t[7])


def _eyes(canvas: _Canvas, t: _Traits, face: _Face) -> None:
    cx, y, a, skin = face.cx, face.eye_y, face.a, face.skin
    spacing = _spacing(t, face)
    rx = a * _lerp(0.15, 0.21, t[8])
    ry = rx * 0.62
    iris = _mix(_IRIS, t[9])
    for side in (-1, 1):
        ex = cx + side * spacing
        canvas.draw.ellipse(
            canvas.box(ex, y, rx, ry),
            fill=(250, 250, 246),
            outline=_shade(skin, 0.55),
            width=canvas.width(0.004),
        )
        canvas.draw.ellipse(canvas.box(ex, y, ry * 0.85, ry * 0.85), fill=iris)
        canvas.draw.ellipse(canvas.box(ex, y, ry * 0.4, ry * 0.4), fill=(20, 16, 14))
        canvas.draw.ellipse(
            canvas.box(ex + ry * 0.25, y - ry * 0.25, ry * 0.16, ry * 0.16), fill=(255, 255, 255)
        )
        # Eyelid crease: a hint of depth.
        canvas.draw.arc(
            canvas.box(ex, y - ry * 0.25, rx * 1.05, ry * 1.2),
            200,
            340,
            fill=_shade(skin, 0.75),
            width=canvas.width(0.004),
        )


def _brows(canvas: _Canvas, t: _Traits, face: _Face) -> None:
    cx, y, hair = face.cx, face.eye_y - face.b * 0.2, face.hair
    spacing = _spacing(t, face)
    half = face.a * 0.22
    thick = _lerp(0.008, 0.022, t[10])
    tilt = _lerp(-0.025, 0.03, t[11])
    colour = _shade(hair, 0.85)
    for side in (-1, 1):
        inner = (cx + side * (spacing - half), y + tilt)
        outer = (cx + side * (spacing + half), y - tilt * 0.4)
        peak = (cx + side * spacing, y - 0.012)
        canvas.draw.line(
            [canvas.xy(*inner), canvas.xy(*peak), canvas.xy(*outer)],
            fill=colour,
            width=canvas.width(thick),
            joint="curve",
        )


def _nose(canvas: _Canvas, t: _Traits, face: _Face) -> None:
    cx, top, a, skin = face.cx, face.eye_y + 0.02, face.a, face.skin
    length = _lerp(0.10, 0.16, t[12])
    half = a * _lerp(0.13, 0.22, t[13])
    shadow = _shade(skin, 0.72)
    tip = top + length
    canvas.draw.line(
        [canvas.xy(cx - 0.004, top), canvas.xy(cx - half * 0.35, tip - 0.01)],
        fill=shadow,
        width=canvas.width(0.006),
    )
    canvas.draw.arc(
        canvas.box(cx, tip - 0.012, half, 0.022), 20, 160, fill=shadow, width=canvas.width(0.007)
    )
    for side in (-1, 1):
        canvas.draw.ellipse(canvas.box(cx + side * half * 0.45, tip, 0.008, 0.005), fill=shadow)


def _mouth(canvas: _Canvas, t: _Traits, face: _Face) -> None:
    cx, y, a, skin = face.cx, face.mouth_y, face.a, face.skin
    half = a * _lerp(0.30, 0.46, t[14])
    curve = _lerp(-0.018, 0.03, t[15])  # > 0 smiles
    full = _lerp(0.008, 0.022, t[16])
    lip = _shade((190, 95, 95), 0.55 + 0.45 * (skin[0] / 255))
    upper = [
        canvas.xy(cx - half, y - curve * 0.3),
        canvas.xy(cx, y - full + curve * 0.3),
        canvas.xy(cx + half, y - curve * 0.3),
    ]
    lower = [
        canvas.xy(cx + half, y - curve * 0.3),
        canvas.xy(cx, y + full * 1.4 + curve),
        canvas.xy(cx - half, y - curve * 0.3),
    ]
    canvas.draw.polygon(upper + lower, fill=lip)
    line = [
        canvas.xy(cx - half, y - curve * 0.3),
        canvas.xy(cx, y + curve * 0.6),
        canvas.xy(cx + half, y - curve * 0.3),
    ]
    canvas.draw.line(line, fill=_shade(lip, 0.6), width=canvas.width(0.005), joint="curve")


def _beard(canvas: _Canvas, t: _Traits, face: _Face) -> None:
    if t[18] < 0.78:
        return
    cx, cy, a, b = face.head
    colour = _shade(face.hair, 0.9)
    if t[18] < 0.9:  # a moustache
        canvas.chord((cx, face.mouth_y - 0.012, a * 0.42, 0.03), 180, 360, colour)
        return
    outline = _face_outline(t, cx, cy, a, b)
    jaw = [p for p in outline if p[1] > cy + b * 0.42]
    canvas.draw.polygon([canvas.xy(*p) for p in jaw], fill=colour)


def _glasses(canvas: _Canvas, t: _Traits, face: _Face) -> None:
    if t[19] < 0.82:
        return
    cx, y = face.cx, face.eye_y
    spacing = _spacing(t, face)
    r = face.a * 0.27
    frame = (40, 40, 48) if t[20] < 0.5 else (120, 80, 50)
    w = canvas.width(0.007)
    for side in (-1, 1):
        canvas.draw.rounded_rectangle(
            canvas.box(cx + side * spacing, y, r, r * 0.72),
            radius=canvas.px * r * 0.4,
            outline=frame,
            width=w,
        )
    canvas.draw.line(
        [canvas.xy(cx - spacing + r, y), canvas.xy(cx + spacing - r, y)], fill=frame, width=w
    )


def _draw_face(t: _Traits, size: int, quality: CaptureQuality) -> Image.Image:
    backgrounds = {
        CaptureQuality.BOOKING: (202, 210, 218),
        CaptureQuality.PORTRAIT: (226, 214, 196),
        CaptureQuality.PHONE: (190, 200, 178),
        CaptureQuality.CCTV: (150, 150, 146),
    }
    canvas = _Canvas(size, backgrounds[quality])
    _background(canvas, quality)
    skin = _mix(_SKIN, t[3])
    face = _Face(
        cx=0.5,
        cy=0.46,
        a=_lerp(0.23, 0.30, t[0]),
        b=_lerp(0.30, 0.37, t[1]),
        skin=skin,
        hair=_contrasting(_mix(_HAIR, t[4]), skin),
    )
    cx, cy, a, b = face.head
    shirt = _BOOKING_SHIRT if quality is CaptureQuality.BOOKING else _mix(_SHIRTS, t[21])

    _hair_back(canvas, t, face)
    # Shoulders and neck.
    canvas.draw.rounded_rectangle(
        canvas.box(cx, 1.02, 0.44, 0.16), radius=canvas.px * 0.12, fill=shirt
    )
    canvas.draw.rectangle(canvas.box(cx, cy + b * 0.95, a * 0.45, 0.1), fill=_shade(skin, 0.88))
    # Ears.
    ear = _lerp(0.045, 0.065, t[17])
    for side in (-1, 1):
        canvas.draw.ellipse(
            canvas.box(cx + side * a * 0.98, cy + 0.01, ear * 0.6, ear), fill=_shade(skin, 0.93)
        )
    canvas.draw.polygon([canvas.xy(*p) for p in _face_outline(t, cx, cy, a, b)], fill=skin)
    # Cheeks: a soft warmth, so the flat face does not look like a mask.
    for side in (-1, 1):
        canvas.draw.ellipse(
            canvas.box(cx + side * a * 0.55, cy + b * 0.28, a * 0.2, a * 0.12),
            fill=_shade(skin, 0.97),
        )
    for feature in (_beard, _hair_front, _brows, _eyes, _nose, _mouth, _glasses):
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
    traits = _traits(embedding)
    image = _draw_face(traits, size, quality)
    raw = np.ascontiguousarray(embedding, dtype=np.float32).tobytes()
    seed = hashlib.sha256(raw + quality.value.encode()).digest()
    return _degrade(image, quality, np.random.default_rng(int.from_bytes(seed[:8], "big")))
