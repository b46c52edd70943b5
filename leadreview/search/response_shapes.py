"""Check requests and responses against the botocore service model of `rekognition`,
and turn a checked SearchFacesByImage response into ranked leads.

The service model that ships with botocore is the referee for both backends: a request
we send must be one the real service accepts, and a response (live, simulated, or saved
by an agency and imported later) must be one the real service could have returned.

botocore's own `ParamValidator` checks types, required members and minimums only; the
service also enforces maximums, patterns and enums (answering InvalidParameterException),
so this walker checks all of them and reports the first problem with its field path.
"""

import datetime as dt
import decimal
import functools
import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from leadreview.domain.lead import Lead
from leadreview.errors import LeadreviewError

if TYPE_CHECKING:
    from botocore.model import OperationModel, ServiceModel, Shape

SERVICE = "rekognition"
_SEARCH = "SearchFacesByImage"
API_VERSION = "2016-06-27"

# Keys boto3 adds to every response that are not part of the output shape.
_TRANSPORT_KEYS = frozenset({"ResponseMetadata"})

_NUMBER_TYPES = (int, float, decimal.Decimal)


class InvalidResponseError(LeadreviewError):
    """A response that does not fit the Rekognition output shape (live, simulated or saved)."""


@functools.cache
def service_model() -> "ServiceModel":
    """The rekognition model, loaded on first use (not at import time) and then kept."""
    import botocore.session

    return botocore.session.get_session().get_service_model(SERVICE, api_version=API_VERSION)


def operation_model(operation: str) -> "OperationModel":
    return service_model().operation_model(operation)


def _is_number(value: object) -> bool:
    # bool is an int subclass but never a valid number on the wire.
    return isinstance(value, _NUMBER_TYPES) and not isinstance(value, bool)


def _path(parent: str, member: str) -> str:
    return f"{parent}.{member}" if parent else member


def _check_bounds(value: float, shape: "Shape", what: str) -> str | None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and value < low:
        return f"{what} {value} is below the minimum {low}"
    if high is not None and value > high:
        return f"{what} {value} is above the maximum {high}"
    return None


def _scalar_violation(value: object, shape: "Shape") -> str | None:
    kind = shape.type_name
    if kind == "string":
        if not isinstance(value, str):
            return f"expected a string, got {type(value).__name__}"
        if (enum := shape.metadata.get("enum")) and value not in enum:
            return f"{value!r} is not one of {', '.join(enum)}"
        pattern = shape.metadata.get("pattern")
        # AWS patterns describe the whole value, hence fullmatch.
        if pattern and re.fullmatch(pattern, value) is None:
            return f"{value!r} does not match the pattern {pattern}"
        return _check_bounds(len(value), shape, "length")
    if kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            return f"expected an integer, got {type(value).__name__}"
        return _check_bounds(value, shape, "value")
    if kind in ("float", "double"):
        if not _is_number(value):
            return f"expected a number, got {type(value).__name__}"
        try:
            number = float(value)  # type: ignore[arg-type]
        except OverflowError:  # an integer past float range, e.g. 10**400 in saved JSON
            return "a number too large for a float"
        # NaN passes every comparison below, and JSON has no NaN or infinity.
        if not math.isfinite(number):
            return f"{value} is not a finite number"
        return _check_bounds(number, shape, "value")
    if kind == "boolean":
        return None if isinstance(value, bool) else f"expected true/false, got {value!r}"
    if kind == "blob":
        if not isinstance(value, bytes | bytearray):
            return f"expected bytes, got {type(value).__name__}"
        return _check_bounds(len(value), shape, "size in bytes")
    if kind == "timestamp":
        ok = isinstance(value, dt.datetime | str) or _is_number(value)
        return None if ok else f"expected a timestamp, got {type(value).__name__}"
    return None  # shape kinds rekognition's search operations do not use


def find_violation(value: object, shape: "Shape", path: str = "") -> tuple[str, str] | None:
    """The first (field path, problem) where `value` does not fit `shape`, or None."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, Mapping):
            return path or "(top level)", f"expected an object, got {type(value).__name__}"
        members = shape.members  # type: ignore[attr-defined]
        for name in shape.metadata.get("required", []):
            if name not in value:
                return _path(path, name), "missing"
        for name, item in value.items():
            if name not in members:
                if not path and name in _TRANSPORT_KEYS:
                    continue
                return _path(path, str(name)), f"unknown field (allowed: {', '.join(members)})"
            found = find_violation(item, members[name], _path(path, name))
            if found:
                return found
        return None
    if kind == "list":
        if not isinstance(value, list | tuple):
            return path, f"expected a list, got {type(value).__name__}"
        if problem := _check_bounds(len(value), shape, "length"):
            return path, problem
        for index, item in enumerate(value):
            found = find_violation(item, shape.member, f"{path}[{index}]")  # type: ignore[attr-defined]
            if found:
                return found
        return None
    if kind == "map":
        if not isinstance(value, Mapping):
            return path, f"expected an object, got {type(value).__name__}"
        for key, item in value.items():
            found = find_violation(item, shape.value, f"{path}.{key}")  # type: ignore[attr-defined]
            if found:
                return found
        return None
    problem = _scalar_violation(value, shape)
    return (path, problem) if problem else None


def request_violation(operation: str, params: Mapping[str, Any]) -> tuple[str, str] | None:
    """The first problem with a request's parameters, or None if the service would accept them."""
    shape = operation_model(operation).input_shape
    return None if shape is None else find_violation(params, shape)


def validate_response(operation: str, response: object, *, source: str | None = None) -> None:
    """Raise InvalidResponseError naming the first field of `response` the model rejects.

    `source` names where the response came from (a file), for the one-line message.
    """
    shape = operation_model(operation).output_shape
    found = None if shape is None else find_violation(response, shape)
    if found:
        field, problem = found
        where = f"{source}: " if source else ""
        raise InvalidResponseError(f"{where}{operation} response: field {field}: {problem}")


# What a lead cannot do without, though the model leaves every response member optional.
_LEAD_FIELDS = (("Similarity",), ("Face", "FaceId"), ("Face", "ExternalImageId"))


def _field(match: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    value: Any = match
    for key in keys:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def leads_from_response(response: Mapping[str, Any], *, source: str | None = None) -> list[Lead]:
    """Ranked leads from a SearchFacesByImage response (live, simulated or saved).

    Re-sorted by similarity (highest first), then FaceId: a saved response's order is
    not to be trusted, and equal similarities must rank the same way every time.
    """
    validate_response(_SEARCH, response, source=source)
    where = f"{source}: " if source else ""
    matches = response.get("FaceMatches")
    if matches is None:
        raise InvalidResponseError(f"{where}{_SEARCH} response: field FaceMatches: missing")
    for index, match in enumerate(matches):
        for keys in _LEAD_FIELDS:
            if _field(match, keys) is None:
                field = ".".join((f"FaceMatches[{index}]", *keys))
                raise InvalidResponseError(
                    f"{where}{_SEARCH} response: field {field}: missing (a lead needs it)"
                )
    ordered = sorted(matches, key=lambda m: (-float(m["Similarity"]), m["Face"]["FaceId"]))
    return [
        Lead(
            rank=rank,
            similarity=float(match["Similarity"]),
            face_id=match["Face"]["FaceId"],
            external_image_id=match["Face"]["ExternalImageId"],
        )
        for rank, match in enumerate(ordered, start=1)
    ]
