"""Figures as people read them: one place, so tables, CSV-less views and HTML agree."""

from leadreview.analysis.intervals import Estimate

DASH = "—"


def number(value: float | None, unit: str) -> str:
    if value is None:
        return DASH
    if unit == "percent":
        return f"{100.0 * value:.1f}%"
    if unit == "count":
        return f"{value:,.1f}" if value % 1 else f"{value:,.0f}"
    if unit == "ratio":
        return f"×{value:.2f}"
    if unit == "points":  # a difference of two shares, in percentage points
        return _signed(f"{100.0 * value:+.1f}") + " pts"
    if unit == "sci":  # rates far below one in a thousand (FMR)
        return "0" if value == 0 else f"{value:.2e}"
    if unit == "signed":
        return _signed(f"{value:+.3f}")
    return f"{value:.3f}"


def _signed(text: str) -> str:
    """'+0.0' and '-0.0' (a rounded tiny difference) read as no difference: '0.0'."""
    return text[1:] if text.lstrip("+-").strip("0.") == "" else text


def interval(est: Estimate, unit: str) -> str:
    """'[low, high]' or '' when there is no interval (one seed, or a pooled ratio)."""
    if est.low is None or est.high is None:
        return ""
    if est.low == est.high:
        return ""
    low, high = number(est.low, unit), number(est.high, unit)
    return f"[{low.lstrip('×')}, {high.lstrip('×')}]"


def figure(est: Estimate | None, unit: str) -> str:
    """A mean with its 95% interval, e.g. '5.2% [4.1%, 6.3%]'."""
    if est is None or est.mean is None:
        return DASH
    bounds = interval(est, unit)
    main = number(est.mean, unit)
    return f"{main} {bounds}" if bounds else main


def threshold_text(threshold: float | None) -> str:
    return "none" if threshold is None else f"{threshold:g}"
