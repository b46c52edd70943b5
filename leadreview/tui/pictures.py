"""Choosing how pictures are drawn, before the app starts.

textual-image asks the terminal what it supports when it is first imported, and cannot
ask once Textual owns the terminal: so the CLI calls `detect_picture_mode()` first.
"""

import os
import sys

from leadreview.tui.widgets.face_picture import PictureMode


def detect_picture_mode(requested: str = "auto") -> PictureMode:
    """'graphics' when asked for (or when 'auto' and the terminal speaks the Kitty graphics
    protocol or sixel), else 'halfblock'."""
    if requested == "halfblock":
        return "halfblock"
    if requested == "auto" and (not sys.stdout.isatty() or os.environ.get("TERM") == "dumb"):
        return "halfblock"
    try:
        from textual_image.renderable import Image as AutoRenderable
        from textual_image.renderable.sixel import Image as SixelRenderable
        from textual_image.renderable.tgp import Image as TGPRenderable
    except Exception:  # a terminal query that fails must not stop the app
        return "halfblock"
    if requested == "graphics" or AutoRenderable in (SixelRenderable, TGPRenderable):
        import textual_image.widget  # noqa: F401  (fills its cell-size cache now)

        return "graphics"
    return "halfblock"
