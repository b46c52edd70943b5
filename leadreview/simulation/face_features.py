"""Drawing a face's features in flat cartoon shapes: the canvas in unit coordinates, the
background, the head's outline, hair, eyes, brows, nose, mouth, beard and glasses."""

import math

import numpy as np
from PIL import Image, ImageDraw

from leadreview.domain.probe import CaptureQuality
from leadreview.simulation.face_traits import (
    IRIS,
    RGB,
    FaceLayout,
    Oval,
    Traits,
    lerp,
    mix,
    shade,
)

_SUPERSAMPLE = 4  # draw large, then downsample: smooth edges without antialiasing support


class Canvas:
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

    def _arc_points(self, oval: Oval, start: float, end: float) -> list[tuple[float, float]]:
        cx, cy, rx, ry = oval
        steps = max(8, round(abs(end - start) / 3))
        angles = np.radians(np.linspace(start, end, steps + 1))
        return [self.xy(cx + rx * math.cos(t), cy + ry * math.sin(t)) for t in angles]

    # Chords and pie slices as polygons: Pillow's own spill across the image for some
    # fractional angles. Angles in degrees, clockwise from three o'clock, as in Pillow.
    def chord(self, oval: Oval, start: float, end: float, fill: RGB) -> None:
        self.draw.polygon(self._arc_points(oval, start, end), fill=fill)

    def pieslice(self, oval: Oval, start: float, end: float, fill: RGB) -> None:
        points = [self.xy(oval[0], oval[1]), *self._arc_points(oval, start, end)]
        self.draw.polygon(points, fill=fill)


def draw_background(canvas: Canvas, quality: CaptureQuality) -> None:
    if quality is CaptureQuality.BOOKING:
        # The height chart behind a booking photo.
        for k in range(1, 10):
            y = k / 10
            canvas.draw.line([canvas.xy(0, y), canvas.xy(1, y)], fill=(176, 186, 196), width=2)


def face_outline(t: Traits, cx: float, cy: float, a: float, b: float) -> list[tuple[float, float]]:
    """Upper half an ellipse, lower half narrowing to a chin that is rounder or squarer."""
    squareness = lerp(0.0, 0.35, t[2])
    points = []
    for k in range(120):
        theta = 2 * math.pi * k / 120
        s, c = math.sin(theta), math.cos(theta)
        if s > 0:  # lower half (y grows downwards)
            c *= 1.0 - (0.28 - squareness * 0.6) * s**2
            s = math.copysign(abs(s) ** (1.0 - squareness * 0.5), s)
        points.append((cx + a * c, cy + b * s))
    return points


def _hair_style(t: Traits) -> int:
    """0 close crop, 1 side part, 2 receding (the rarest), 3 long, 4 full."""
    return sum(t[5] >= edge for edge in (0.22, 0.45, 0.55, 0.78))


def hair_back(canvas: Canvas, t: Traits, face: FaceLayout) -> None:
    """Hair behind the head: drawn first, the face covers most of it."""
    cx, cy, a, b = face.head
    hair = face.hair
    style = _hair_style(t)
    volume = lerp(0.012, 0.05, t[6])
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


def hair_front(canvas: Canvas, t: Traits, face: FaceLayout) -> None:
    """The hairline over the forehead: a chord of the head's ellipse, deeper or
    shallower per face."""
    cx, cy, a, b = face.head
    style = _hair_style(t)
    scalp = (cx, cy, a * 1.01, b * 1.01)
    if style == 2:
        for start in (192, 318):
            canvas.chord(scalp, start, start + 30, face.hair)
        return
    depth = lerp(0.0, 14.0, t[6])  # degrees: how far the hairline comes down
    canvas.chord(scalp, 204 - depth, 336 + depth, face.hair)
    if style == 1:  # a side sweep from the parting
        canvas.pieslice((cx - a * 0.3, cy - b * 0.52, a * 0.8, b * 0.3), 180, 350, face.hair)


def _spacing(t: Traits, face: FaceLayout) -> float:
    return face.a * lerp(0.36, 0.50, t[7])


def eyes(canvas: Canvas, t: Traits, face: FaceLayout) -> None:
    cx, y, a, skin = face.cx, face.eye_y, face.a, face.skin
    spacing = _spacing(t, face)
    rx = a * lerp(0.15, 0.21, t[8])
    ry = rx * 0.62
    iris = mix(IRIS, t[9])
    for side in (-1, 1):
        ex = cx + side * spacing
        canvas.draw.ellipse(
            canvas.box(ex, y, rx, ry),
            fill=(250, 250, 246),
            outline=shade(skin, 0.55),
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
            fill=shade(skin, 0.75),
            width=canvas.width(0.004),
        )


def brows(canvas: Canvas, t: Traits, face: FaceLayout) -> None:
    cx, y, hair = face.cx, face.eye_y - face.b * 0.2, face.hair
    spacing = _spacing(t, face)
    half = face.a * 0.22
    thick = lerp(0.008, 0.022, t[10])
    tilt = lerp(-0.025, 0.03, t[11])
    colour = shade(hair, 0.85)
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


def nose(canvas: Canvas, t: Traits, face: FaceLayout) -> None:
    cx, top, a, skin = face.cx, face.eye_y + 0.02, face.a, face.skin
    length = lerp(0.10, 0.16, t[12])
    half = a * lerp(0.13, 0.22, t[13])
    shadow = shade(skin, 0.72)
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


def mouth(canvas: Canvas, t: Traits, face: FaceLayout) -> None:
    cx, y, a, skin = face.cx, face.mouth_y, face.a, face.skin
    half = a * lerp(0.30, 0.46, t[14])
    curve = lerp(-0.018, 0.03, t[15])  # > 0 smiles
    full = lerp(0.008, 0.022, t[16])
    lip = shade((190, 95, 95), 0.55 + 0.45 * (skin[0] / 255))
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
    canvas.draw.line(line, fill=shade(lip, 0.6), width=canvas.width(0.005), joint="curve")


def beard(canvas: Canvas, t: Traits, face: FaceLayout) -> None:
    if t[18] < 0.78:
        return
    cx, cy, a, b = face.head
    colour = shade(face.hair, 0.9)
    if t[18] < 0.9:  # a moustache
        canvas.chord((cx, face.mouth_y - 0.012, a * 0.42, 0.03), 180, 360, colour)
        return
    outline = face_outline(t, cx, cy, a, b)
    jaw = [p for p in outline if p[1] > cy + b * 0.42]
    canvas.draw.polygon([canvas.xy(*p) for p in jaw], fill=colour)


def glasses(canvas: Canvas, t: Traits, face: FaceLayout) -> None:
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
