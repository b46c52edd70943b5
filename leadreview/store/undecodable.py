"""Recognising text SQLite holds but cannot hand over: bytes that are not UTF-8.

SQLite stores whatever bytes a TEXT value is given (`CAST(x'ff41' AS TEXT)`), so a
database edited behind the app's back can hold text its driver refuses to decode, on
any read of that row. The audit walk reads such rows anyway (audit/stream.py) and names
them as breaks; every other reader ends in one line built from `undecodable_column`.
"""

import re
import sqlite3

_DECODE_ERROR = re.compile(r"Could not decode to UTF-8 column '([^']*)'")


def undecodable_column(error: BaseException) -> str | None:
    """The column whose text SQLite's driver could not decode, if that is what `error`
    is (bare, or wrapped by SQLAlchemy); None for any other error."""
    original = getattr(error, "orig", None) or error
    if not isinstance(original, sqlite3.OperationalError):
        return None
    found = _DECODE_ERROR.match(str(original))
    return found.group(1) if found else None


def undecodable_line(column: str) -> str:
    """The one line a user reads when a command meets such text."""
    return (
        f"the database holds text that is not UTF-8 (column {column!r}): it was edited "
        "outside leadreview; `leadreview audit verify` names the event"
    )
