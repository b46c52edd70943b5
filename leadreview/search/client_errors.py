"""Errors shaped like the ones a real boto3 Rekognition client raises.

The service answers an error with a code and a message; botocore turns that into a
`ClientError` subclass named after the code (`client.exceptions.InvalidParameterException`)
when the model declares the code, and into a plain `ClientError` otherwise
(`ValidationException`). The simulator builds the same classes from the same model, so
`except ClientError` with `err.response["Error"]["Code"]` works for both backends.
"""

import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from botocore.errorfactory import BaseClientExceptions, ClientExceptionsFactory
from botocore.exceptions import ClientError

# HTTP status the service sends with each code (Rekognition API reference, "Errors").
_HTTP_STATUS = {
    "InternalServerError": 500,
    "ServiceQuotaExceededException": 400,
}


class ServiceError(Exception):
    """Raised inside the simulator; converted to a ClientError at the operation boundary,
    where the operation name is known."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@cache
def client_exceptions() -> BaseClientExceptions:
    """The exception classes a client built from the installed model would have."""
    from leadreview.search.service_model import service_model

    return ClientExceptionsFactory().create_client_exceptions(service_model())


# The field named ClientError would shadow the class inside the body; annotate via this.
_BotoClientError = ClientError


@dataclass(frozen=True)
class RekognitionExceptions:
    """`client.exceptions` with types: the modeled error classes the simulator raises."""

    ClientError: type[_BotoClientError]
    AccessDeniedException: type[_BotoClientError]
    ImageTooLargeException: type[_BotoClientError]
    InternalServerError: type[_BotoClientError]
    InvalidImageFormatException: type[_BotoClientError]
    InvalidPaginationTokenException: type[_BotoClientError]
    InvalidParameterException: type[_BotoClientError]
    InvalidS3ObjectException: type[_BotoClientError]
    ProvisionedThroughputExceededException: type[_BotoClientError]
    ResourceAlreadyExistsException: type[_BotoClientError]
    ResourceNotFoundException: type[_BotoClientError]
    ServiceQuotaExceededException: type[_BotoClientError]
    ThrottlingException: type[_BotoClientError]

    def from_code(self, code: str) -> type[_BotoClientError]:
        return _class_for(code)


def _class_for(code: str) -> type[ClientError]:
    # botocore's stubs type from_code as returning an instance; it returns a class.
    return cast(type[ClientError], client_exceptions().from_code(code))


@cache
def rekognition_exceptions() -> RekognitionExceptions:
    names = [name for name in RekognitionExceptions.__dataclass_fields__ if name != "ClientError"]
    return RekognitionExceptions(ClientError, **{name: _class_for(name) for name in names})


def response_metadata(request_number: int, status: int) -> dict[str, Any]:
    """ResponseMetadata as botocore reports it; the request id is deterministic per call."""
    request_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"leadreview-simulator/{request_number}"))
    return {
        "RequestId": request_id,
        "HTTPStatusCode": status,
        "HTTPHeaders": {
            "x-amzn-requestid": request_id,
            "content-type": "application/x-amz-json-1.1",
        },
        "RetryAttempts": 0,
    }


def to_client_error(error: ServiceError, operation: str, request_number: int) -> ClientError:
    status = _HTTP_STATUS.get(error.code, 400)
    parsed: dict[str, Any] = {
        "Error": {"Code": error.code, "Message": error.message},
        "ResponseMetadata": response_metadata(request_number, status),
    }
    cls = _class_for(error.code)
    if cls is not ClientError:
        # Modeled errors carry their members at the top level too, as botocore parses them.
        parsed["Message"] = error.message
        parsed["Code"] = error.code
    return cls(parsed, operation)  # type: ignore[arg-type]
