"""AWS JSON 1.1 on the wire, read and written through botocore's Rekognition model.

A request body is a JSON object whose blobs are base64 text and whose timestamps are
epoch seconds; the output is written the same way. Both are walked against the
operation's input or output shape, so which members exist, how each is named on the wire
and how it is encoded come from the model, not from this file. Request *validation*
(required members, types, limits) is the search package's `validate_request`, the same
check the in-process simulator runs.
"""

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from leadreview.endpoint.errors import EndpointError
from leadreview.errors import LeadreviewError
from leadreview.search.service_model import service_model

TARGET_PREFIX = "RekognitionService."
CONTENT_TYPE = "application/x-amz-json-1.1"


def operation_for_target(target: str | None) -> OperationModel:
    """The model's operation named by an `X-Amz-Target` header."""
    if not target or not target.startswith(TARGET_PREFIX):
        raise EndpointError("UnknownOperationException", f"X-Amz-Target {target!r}")
    name = target[len(TARGET_PREFIX) :]
    model = service_model()
    if name not in model.operation_names:
        raise EndpointError("UnknownOperationException", f"unknown operation {name!r}")
    return model.operation_model(name)


def read_request(operation: OperationModel, body: bytes) -> dict[str, Any]:
    """The request's parameters as boto3 would have passed them (blobs as bytes)."""
    from leadreview.io.limits import UnstorableText, parse_json

    try:
        document = parse_json(body or b"{}", "the body")
    except UnstorableText as exc:
        # Well-formed JSON holding a value no field may take (a NUL in ExternalImageId, a
        # collection id, an offense): Rekognition's answer to a bad value, not a 500.
        raise EndpointError("InvalidParameterException", exc.message) from None
    except LeadreviewError as exc:
        raise EndpointError("SerializationException", exc.message) from None
    if not isinstance(document, dict):
        raise EndpointError("SerializationException", "the body is not a JSON object")
    shape = operation.input_shape
    if shape is None:
        return {}
    decoded: dict[str, Any] = _decode(shape, document, "")
    return decoded


def _decode(shape: Shape, value: Any, path: str) -> Any:
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            return value  # validation names the type error with the member's path
        out: dict[str, Any] = {}
        for name, member in shape.members.items():
            wire = member.serialization.get("name", name)
            if wire in value:
                out[name] = _decode(member, value[wire], f"{path}.{name}".lstrip("."))
        return out
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [_decode(shape.member, item, path) for item in value]
    if isinstance(shape, MapShape) and isinstance(value, dict):
        return {key: _decode(shape.value, item, path) for key, item in value.items()}
    if shape.type_name == "blob" and isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise EndpointError(
                "SerializationException", f"{path}: not valid base64 text"
            ) from None
    if shape.type_name == "timestamp" and isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    return value


def write_response(operation: OperationModel, response: dict[str, Any]) -> bytes:
    """The JSON body of a successful answer; ResponseMetadata and the like are dropped."""
    shape = operation.output_shape
    document = {} if shape is None else _encode(shape, response)
    return json.dumps(document, separators=(",", ":")).encode()


def _encode(shape: Shape, value: Any) -> Any:
    if isinstance(shape, StructureShape):
        out: dict[str, Any] = {}
        for name, member in shape.members.items():
            if name in value and value[name] is not None:
                out[member.serialization.get("name", name)] = _encode(member, value[name])
        return out
    if isinstance(shape, ListShape):
        return [_encode(shape.member, item) for item in value]
    if isinstance(shape, MapShape):
        return {key: _encode(shape.value, item) for key, item in value.items()}
    if shape.type_name == "blob":
        return base64.b64encode(bytes(value)).decode("ascii")
    if shape.type_name == "timestamp":
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.timestamp()
    return value


def write_error(error: EndpointError) -> bytes:
    return json.dumps({"__type": error.code, "message": error.message}).encode()
