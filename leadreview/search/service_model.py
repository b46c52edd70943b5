"""The botocore service model for Rekognition, loaded on first use, and request validation.

A real boto3 client checks a request in two places, and the simulator does the same:

* on the client, botocore's `ParamValidator` checks types, required members, unknown
  members and the model's *minimums* before anything is sent; a failure is a
  `botocore.exceptions.ParamValidationError`, not a `ClientError`;
* on the service, the maximums, patterns and enums of the model are enforced; a failure
  comes back as a `ClientError` with code `ValidationException` and the service's
  "1 validation error detected: ..." message.

The model shipped with botocore is the referee: limits are read from it, not restated.
"""

import math
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

import botocore.session
from botocore.model import (
    ListShape,
    OperationModel,
    ServiceModel,
    Shape,
    StringShape,
    StructureShape,
)
from botocore.validate import validate_parameters

from leadreview.search.client_errors import ServiceError

SERVICE_NAME = "rekognition"


@cache
def service_model() -> ServiceModel:
    """The Rekognition model that ships with the installed botocore."""
    return botocore.session.get_session().get_service_model(SERVICE_NAME)


@cache
def operation_model(operation: str) -> OperationModel:
    return service_model().operation_model(operation)


def validate_request(operation: str, params: Mapping[str, Any]) -> None:
    """Check `params` as botocore would, then as the service would; raise on the first stage
    that fails (ParamValidationError, then ServiceError("ValidationException"))."""
    shape = operation_model(operation).input_shape
    assert shape is not None
    validate_parameters(dict(params), shape)
    problems: list[str] = []
    _check_service_constraints(shape, params, "", problems)
    if problems:
        count = len(problems)
        noun = "error" if count == 1 else "errors"
        raise ServiceError(
            "ValidationException", f"{count} validation {noun} detected: " + "; ".join(problems)
        )


def _member_path(prefix: str, name: str) -> str:
    # The service names members in lowerCamelCase, dotted: 'image.s3Object.bucket'.
    lowered = name[:1].lower() + name[1:]
    return f"{prefix}.{lowered}" if prefix else lowered


def _check_service_constraints(shape: Shape, value: Any, path: str, problems: list[str]) -> None:
    meta = shape.metadata
    if isinstance(shape, StructureShape):
        for name, member in shape.members.items():
            if name in value:
                _check_service_constraints(member, value[name], _member_path(path, name), problems)
        return
    if isinstance(shape, ListShape):
        _check_length(len(value), meta, value, path, problems)
        for item in value:
            _check_service_constraints(shape.member, item, path + ".member", problems)
        return
    if isinstance(shape, StringShape):
        _check_length(len(value), meta, value, path, problems)
        pattern = meta.get("pattern")
        if pattern is not None and re.fullmatch(pattern, value) is None:
            problems.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: "
                f"Member must satisfy regular expression pattern: {pattern}"
            )
        enum = shape.enum
        if enum and value not in enum:
            problems.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: "
                f"Member must satisfy enum value set: [{', '.join(enum)}]"
            )
        return
    if shape.type_name in ("integer", "long", "float", "double"):
        try:
            number = float(value)
        except OverflowError:  # an integer past float range; too long to print, too
            number, value = math.inf, "(a number too large for a float)"
        if not math.isfinite(number):
            problems.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: "
                "Member must be a finite number"
            )
        elif "max" in meta and number > meta["max"]:
            problems.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: "
                f"Member must have value less than or equal to {meta['max']}"
            )
        return
    # Blobs (Image.Bytes) are measured by the image reader, which answers an image over
    # 5 MB with ImageTooLargeException, the code leadreview's users are told to expect.


def _check_length(
    length: int, meta: Mapping[str, Any], shown: Any, path: str, problems: list[str]
) -> None:
    if "max" in meta and length > meta["max"]:
        problems.append(
            f"Value '{shown}' at '{path}' failed to satisfy constraint: "
            f"Member must have length less than or equal to {meta['max']}"
        )


def max_of(shape_name: str) -> int:
    """A shape's maximum as the model states it (e.g. 'MaxFaces' -> 4096)."""
    return int(service_model().shape_for(shape_name).metadata["max"])
