"""Free text a user types that the audit log keeps for good: an offense, a rationale, a
piece of corroboration, a hot-wash answer, a corrective action.

Checked at the command line, before any work, so a bad value is one line (exit 2) and
nothing is recorded. Control characters are refused: in a terminal they can rewrite
what a later reader of `audit show` sees (an escape sequence, a carriage return over
the line). Only the multi-line texts (a rationale, an answer, a note) may hold newlines
and tabs, as a written paragraph does. Each text has a length bound, stated in --help.
"""

import re
from collections.abc import Callable

# An offense or a one-line label: the case's offense column holds 500 (domain.case).
LINE_MAX = 500
# A person's name (domain.roles.NAME_MAX; repeated so that --help needs no pydantic).
NAME_MAX = 120
# A rationale, an answer or a note: the workflow's and the hot wash's own bound.
PARAGRAPH_MAX = 4000

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def text_problem(value: str, limit: int, *, multiline: bool) -> str | None:
    """Why `value` cannot be kept as this text, or None."""
    if (_CONTROL_BUT_LINES if multiline else _CONTROL).search(value):
        allowed = " (newlines and tabs are allowed)" if multiline else ""
        return f"holds a control character{allowed}"
    if len(value) > limit:
        return f"is {len(value)} characters long; at most {limit} are kept"
    return None


def _check(value: str, limit: int, multiline: bool) -> str:
    import typer

    problem = text_problem(value, limit, multiline=multiline)
    if problem is not None:
        shown = value[:40].encode("unicode_escape").decode("ascii")
        raise typer.BadParameter(f"{shown!r}{'…' if len(value) > 40 else ''}: {problem}")
    return value


def one_line(limit: int = LINE_MAX) -> Callable[[str | None], str | None]:
    """A typer callback for a one-line text of at most `limit` characters."""

    def check(value: str | None) -> str | None:
        return None if value is None else _check(value, limit, multiline=False)

    return check


def paragraph(limit: int = PARAGRAPH_MAX) -> Callable[[str | None], str | None]:
    """A typer callback for a text that may span lines, of at most `limit` characters."""

    def check(value: str | None) -> str | None:
        return None if value is None else _check(value, limit, multiline=True)

    return check


def each_line(values: list[str] | None) -> list[str] | None:
    """A typer callback for a repeatable one-line option whose length the domain bounds
    (and names) itself: control characters only."""
    for value in values or []:
        _check(value, len(value), multiline=False)
    return values
