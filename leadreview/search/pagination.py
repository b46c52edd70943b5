"""NextToken for ListFaces and ListCollections: opaque, short, bound to what it pages.

A token names the next position and carries a digest of the listing it belongs to, so a
token from one collection (or a made-up one) answers InvalidPaginationTokenException, as
the service does, rather than silently paging something else.
"""

import hashlib

from leadreview.search.client_errors import ServiceError

# The API reference gives no default page size for ListFaces/ListCollections; the
# simulator pages at 1000 when MaxResults is absent or 0 (the model allows 0).
DEFAULT_PAGE_SIZE = 1000


def page_size(max_results: int | None) -> int:
    return max_results or DEFAULT_PAGE_SIZE


def _digest(scope: str, position: int) -> str:
    return hashlib.sha256(f"{scope}\x00{position}".encode()).hexdigest()[:16]


def make_token(scope: str, position: int) -> str:
    return f"{position}.{_digest(scope, position)}"


def read_token(scope: str, token: str | None) -> int:
    """The position a token resumes at (0 without a token)."""
    if token is None:
        return 0
    head, _, digest = token.partition(".")
    if head.isdigit() and digest == _digest(scope, int(head)):
        return int(head)
    raise ServiceError("InvalidPaginationTokenException", "Invalid pagination token")
