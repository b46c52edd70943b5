"""A picture drawn with the upper half block `▀`: one cell shows two pixels, the top one in
the foreground colour and the bottom one in the background colour.

Works in every terminal with colour (and in a browser through textual-serve), and renders
identically every time, so tests and snapshots use it.
"""

from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

if TYPE_CHECKING:
    from PIL.Image import Image

UPPER_HALF = "▀"


def halfblock_strips(image: "Image", width: int, height: int) -> list[Strip]:
    """`image` scaled to `width` cells by `height` cells (2 × height pixel rows), as strips."""
    from PIL import Image as PILImage

    if width <= 0 or height <= 0:
        return []
    scaled = image.convert("RGB").resize((width, height * 2), PILImage.Resampling.BILINEAR)
    raw = scaled.tobytes()
    row_bytes = width * 3
    # Styles repeat a lot in a face (skin, background): share one Style per colour pair.
    styles: dict[tuple[int, ...], Style] = {}
    strips: list[Strip] = []
    for row in range(height):
        top = raw[2 * row * row_bytes : (2 * row + 1) * row_bytes]
        bottom = raw[(2 * row + 1) * row_bytes : (2 * row + 2) * row_bytes]
        segments: list[Segment] = []
        for x in range(0, row_bytes, 3):
            key = (*top[x : x + 3], *bottom[x : x + 3])
            style = styles.get(key)
            if style is None:
                style = Style.parse(
                    f"rgb({key[0]},{key[1]},{key[2]}) on rgb({key[3]},{key[4]},{key[5]})"
                )
                styles[key] = style
            segments.append(Segment(UPPER_HALF, style))
        strips.append(Strip(Segment.simplify(segments), width))
    return strips


class HalfBlockImage(Widget):
    """Shows a PIL image scaled to the widget's size, two pixels per cell."""

    DEFAULT_CSS = """
    HalfBlockImage { width: 1fr; height: 1fr; }
    """

    def __init__(
        self,
        image: "Image | None" = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._image = image
        self._strips: list[Strip] = []
        self._rendered_for: Size | None = None

    @property
    def image(self) -> "Image | None":
        return self._image

    @image.setter
    def image(self, image: "Image | None") -> None:
        self._image = image
        self._rendered_for = None
        self.refresh()

    def render_line(self, y: int) -> Strip:
        size = self.content_size
        if self._rendered_for != size:
            self._strips = (
                halfblock_strips(self._image, size.width, size.height)
                if self._image is not None
                else []
            )
            self._rendered_for = size
        if y < len(self._strips):
            return self._strips[y]
        return Strip.blank(size.width, self.rich_style)
