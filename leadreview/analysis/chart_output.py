"""Matplotlib figures to files and to inline SVG that needs nothing from the network.

matplotlib is imported inside functions with the Agg backend: no display is needed, and
importing the analysis package stays cheap.
"""

import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

from leadreview.errors import InputFileError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CHART_SUFFIXES = (".png", ".svg")
PALETTE = ("#1b1b1b", "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")


def new_figure(width: float, height: float, columns: int = 1) -> "Figure":
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    # svg.fonttype none keeps text as text: the figures in a chart stay searchable.
    matplotlib.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "leadreview"})
    figure = Figure(figsize=(width, height), layout="constrained")
    figure.subplots(1, columns)
    return figure


def save_figure(figure: "Figure", path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix not in CHART_SUFFIXES:
        raise InputFileError(f"{path}: a chart is written as .png or .svg, not {suffix or '?'}")
    try:
        figure.savefig(path, format=suffix.lstrip("."), dpi=150, metadata=_no_metadata(suffix))
    except OSError as exc:
        raise InputFileError(f"{path}: cannot write chart ({exc.strerror})") from None


def _no_metadata(suffix: str) -> dict[str, str | None]:
    # Dates would make every chart differ; matplotlib's creator string names a URL.
    if suffix == ".svg":
        return {"Date": None, "Creator": None, "Format": None, "Type": None}
    return {"Software": None}


_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_NAMESPACES = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')


def inline_svg(figure: "Figure") -> str:
    """The figure as an <svg> element for an HTML page.

    The XML prologue, the DOCTYPE and the RDF metadata are dropped and so are the
    namespace declarations: HTML parses inline SVG (and xlink:href) without them, and a
    report should hold no URL that is not a citation.
    """
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata=_no_metadata(".svg"))
    text = _PROLOGUE.sub("", buffer.getvalue(), count=1)
    text = _METADATA.sub("", text)
    return _NAMESPACES.sub("", text)
