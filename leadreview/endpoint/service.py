"""One request, start to end: authenticate, throttle, parse, run, record, answer.

The HTTP server hands each request here as method, path, headers and body, and writes
back the status, headers and body this returns; nothing here knows about sockets.
"""

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from leadreview.domain.roles import Actor
from leadreview.endpoint import wire
from leadreview.endpoint.access_keys import KeyRing
from leadreview.endpoint.backends import CHANGES, SEARCHES, SUPPORTED, Backend
from leadreview.endpoint.errors import EndpointError
from leadreview.endpoint.recording import SearchRecorder
from leadreview.endpoint.sigv4 import SignedRequest, verify
from leadreview.endpoint.throttle import RateLimiter
from leadreview.errors import LeadreviewError, PermissionRefused
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.errors import InvalidRequest

# A change made through the endpoint (CreateCollection, IndexFaces, ...), under its caller.
COLLECTION_CHANGED = "rekognition.collection_changed"


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    request_id: str
    error_code: str | None = None


class EndpointService:
    def __init__(
        self,
        *,
        backend: Backend,
        keys: KeyRing,
        ctx: WorkflowContext,
        recorder: SearchRecorder,
        limiter: RateLimiter | None = None,
    ) -> None:
        self._backend = backend
        self._keys = keys
        self._ctx = ctx
        self._recorder = recorder
        self._limiter = limiter

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Answer:
        """`headers` with lower-cased names."""
        request_id = str(uuid.uuid4())
        try:
            response, operation = self._handle(method, path, headers, body)
        except EndpointError as error:
            return Answer(error.status, wire.write_error(error), request_id, error.code)
        return Answer(200, wire.write_response(operation, response), request_id)

    def _handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[dict[str, Any], Any]:
        if method != "POST" or path.split("?", 1)[0] != "/":
            raise EndpointError("UnknownOperationException", f"{method} {path}: POST / only")
        signer = verify(SignedRequest(method, path, headers, body), self._keys.secret_for)
        key = self._keys.principal_of(signer.access_key_id)
        if key is None or not key.active:  # revoked between the two reads
            raise EndpointError(
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            )
        actor = Actor(name=key.principal, role=key.role)
        if self._limiter is not None and not self._limiter.allow(signer.access_key_id):
            raise EndpointError("ThrottlingException", "Rate exceeded")
        operation = wire.operation_for_target(headers.get("x-amz-target"))
        if operation.name not in SUPPORTED:
            raise EndpointError(
                "UnknownOperationException",
                f"{operation.name} is not served here (leadreview serves the face-collection "
                f"operations: {', '.join(sorted(SUPPORTED))})",
            )
        params = wire.read_request(operation, body)
        _validate(operation.name, params)
        if operation.name in SEARCHES:
            return self._search(operation.name, params, actor, signer.access_key_id), operation
        response = _backend_call(self._backend, operation.name, params)
        if operation.name in CHANGES:
            self._record_change(operation.name, params, response, actor, signer.access_key_id)
        return response, operation

    def _search(
        self, operation: str, params: dict[str, Any], actor: Actor, access_key_id: str
    ) -> dict[str, Any]:
        from leadreview.search.backend_errors import SearchBackendError

        try:
            recorded = self._recorder.search(
                operation,
                params,
                actor=actor,
                access_key_id=access_key_id,
                client=self._backend.search_client,
            )
        except SearchBackendError as error:
            raise EndpointError(error.code, error.message) from None
        except (PermissionRefused, InvalidRequest) as error:
            # The role may not open cases, or the policy in force forbids the use case.
            raise EndpointError("AccessDeniedException", error.message) from None
        except LeadreviewError as error:  # e.g. an upstream answer that breaks the model
            raise EndpointError("InternalServerError", error.message) from None
        return recorded.response

    def _record_change(
        self,
        operation: str,
        params: dict[str, Any],
        response: dict[str, Any],
        actor: Actor,
        access_key_id: str,
    ) -> None:
        payload: dict[str, Any] = {
            "operation": operation,
            "collection_id": params["CollectionId"],
            "access_key_id": access_key_id,
        }
        if operation == "IndexFaces":
            source = params["Image"]
            if "Bytes" in source:
                image = bytes(source["Bytes"])
                payload["image"] = {
                    "sha256": hashlib.sha256(image).hexdigest(),
                    "size": len(image),
                }
            else:  # forwarded upstream: the image stays in the caller's bucket
                payload["image"] = {"s3_object": dict(source.get("S3Object", {}))}
            payload["external_image_id"] = params.get("ExternalImageId")
            payload["face_ids"] = [r["Face"]["FaceId"] for r in response.get("FaceRecords", [])]
        elif operation == "DeleteFaces":
            payload["face_ids"] = list(response.get("DeletedFaces", []))
        with self._ctx.store.transaction() as session:
            self._ctx.audit.append(
                session,
                actor=actor.name,
                role=actor.role.value,
                event_type=COLLECTION_CHANGED,
                payload=payload,
            )


def _validate(operation: str, params: dict[str, Any]) -> None:
    """The model's checks, answered as the service answers them: ValidationException."""
    from botocore.exceptions import ParamValidationError

    from leadreview.search.client_errors import ServiceError
    from leadreview.search.service_model import validate_request

    try:
        validate_request(operation, params)
    except ParamValidationError as exc:
        report = " ".join(str(exc.kwargs.get("report", exc)).split())
        raise EndpointError(
            "ValidationException", f"1 validation error detected: {report}"
        ) from None
    except ServiceError as error:
        raise EndpointError(error.code, error.message) from None


def _backend_call(backend: Backend, operation: str, params: dict[str, Any]) -> dict[str, Any]:
    from botocore.exceptions import ClientError, ParamValidationError

    try:
        return backend.call(operation, params)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise EndpointError(
            str(error.get("Code", "InternalServerError")), str(error.get("Message", ""))
        ) from None
    except ParamValidationError as exc:
        report = " ".join(str(exc.kwargs.get("report", exc)).split())
        raise EndpointError("ValidationException", report) from None
