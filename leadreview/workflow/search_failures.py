"""A search that fails is on record: one `search.failed` event, in a transaction of its own.

The search runs outside the case's transaction (see `cases`), so a failure leaves no case
behind; this module makes sure it does not leave the log silent either. An auditor can
then see who tried to search which collection with which image (its SHA-256, never its
bytes), what the backend answered, and after how many attempts. A throttled search that
then succeeds is no failure: it records nothing here, only its one `search.recorded`.
"""

import hashlib
from typing import Any, cast

from leadreview.domain.case import CaseOpening
from leadreview.domain.roles import Actor
from leadreview.search.backend_errors import SearchBackendError
from leadreview.search.protocol import FaceSearchClient
from leadreview.search.rekognition import SEARCH, SearchOutcome, search_faces_by_image
from leadreview.workflow.audit_port import EventType
from leadreview.workflow.context import WorkflowContext


def _http_attempts(source: object) -> int:
    """HTTP attempts behind one client call: the first plus botocore's own retries, read
    from the ResponseMetadata a response or a ClientError carries (1 if it has none)."""
    response: Any = source if isinstance(source, dict) else getattr(source, "response", None)
    metadata = response.get("ResponseMetadata") if isinstance(response, dict) else None
    retries = metadata.get("RetryAttempts", 0) if isinstance(metadata, dict) else 0
    return 1 + (retries if isinstance(retries, int) and retries > 0 else 0)


class _CountingClient:
    """Passes calls to the backend's client and counts the attempts behind each search.

    The one-line errors do not carry the count, and the workflow must not depend on which
    backend it talks to, so the count is taken here, at the client's edge.
    """

    def __init__(self, client: FaceSearchClient) -> None:
        self._client = client
        self.attempts = 0

    def search_faces_by_image(self, **params: Any) -> dict[str, Any]:
        try:
            response = self._client.search_faces_by_image(**params)
        except Exception as exc:
            self.attempts += _http_attempts(exc)
            raise
        self.attempts += _http_attempts(response)
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def search_on_record(
    ctx: WorkflowContext,
    actor: Actor,
    opening: CaseOpening,
    *,
    client: FaceSearchClient,
    collection_id: str,
    image: bytes,
    max_faces: int,
    face_match_threshold: float,
) -> SearchOutcome:
    """`search_faces_by_image`, with any failure recorded before it is raised again."""
    counting = _CountingClient(client)
    image_name = opening.probe_ref or "probe"
    try:
        return search_faces_by_image(
            cast(FaceSearchClient, counting),
            collection_id=collection_id,
            image=image,
            image_name=image_name,
            max_faces=max_faces,
            face_match_threshold=face_match_threshold,
        )
    except SearchBackendError as exc:
        record_search_failure(
            ctx,
            actor,
            exc,
            opening=opening,
            image=image,
            image_name=image_name,
            collection_id=collection_id,
            attempts=counting.attempts,
        )
        raise


def record_search_failure(
    ctx: WorkflowContext,
    actor: Actor,
    error: SearchBackendError,
    *,
    image: bytes,
    image_name: str,
    collection_id: str,
    attempts: int,
    opening: CaseOpening | None = None,
) -> None:
    """Append and commit the `search.failed` event; the caller raises `error` afterwards.

    `attempts` counts calls that reached the backend (0: refused before sending). Also for
    callers that refuse an image before a `CaseOpening` can hold it (e.g. over 5 MB).
    """
    payload: dict[str, Any] = {
        "operation": error.operation or SEARCH,
        "error_code": error.code,
        "error": error.message,
        "collection_id": error.collection_id or collection_id,
        "image": {
            "name": image_name,
            "sha256": hashlib.sha256(image).hexdigest(),
            "size": len(image),
        },
        "attempts": attempts,
    }
    if opening is not None:
        payload["offense"] = opening.offense
        payload["use_case"] = opening.use_case.value
        payload["quality"] = opening.quality.value
    with ctx.store.transaction() as session:
        ctx.audit.append(
            session,
            actor=actor.name,
            role=actor.role.value,
            event_type=EventType.SEARCH_FAILED.value,
            payload=payload,
        )
