"""A face picture: terminal graphics (textual-image) where the terminal supports them,
half-block characters everywhere else. Which one is decided once, before the app starts
(see `pictures.py`), and passed in; tests and snapshots always use half blocks."""

from typing import TYPE_CHECKING, Literal

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static

from leadreview.tui.widgets.halfblock import HalfBlockImage

if TYPE_CHECKING:
    from PIL.Image import Image

PictureMode = Literal["graphics", "halfblock"]


class FacePicture(Vertical):
    """A picture with a one-line caption under it (what it is, said in words)."""

    DEFAULT_CSS = """
    FacePicture { width: auto; height: auto; }
    FacePicture > .picture { width: 20; height: 10; }
    FacePicture > .caption { width: 20; height: 1; color: $text-muted; }
    """

    def __init__(
        self,
        caption: str,
        *,
        mode: PictureMode = "halfblock",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._mode = mode
        self._caption = caption

    def compose(self) -> ComposeResult:
        yield HalfBlockImage(classes="picture")
        yield Static(self._caption, classes="caption")

    def show(self, image: "Image | None", caption: str | None = None) -> None:
        """Show `image` (None: no picture) and, if given, a new caption."""
        if caption is not None:
            self._caption = caption
        self.query_one(".caption", Static).update(
            self._caption if image is not None else f"{self._caption} (no picture)"
        )
        current = self.query_one(".picture", Widget)
        if self._mode == "graphics" and image is not None:
            # Imported here: textual-image probes the terminal when first imported, which
            # the CLI has already done before the app started (see pictures.py).
            from textual_image.widget import Image as GraphicsImage

            if isinstance(current, GraphicsImage):
                current.image = image
                return
            current.remove()
            self.mount(GraphicsImage(image, classes="picture"), before=0)
            return
        if isinstance(current, HalfBlockImage):
            current.image = image
            return
        current.remove()
        self.mount(HalfBlockImage(image, classes="picture"), before=0)
