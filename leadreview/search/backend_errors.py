"""One-line errors for what a face-search backend can answer, and the conversion to them.

Both backends speak Rekognition: a failure is a `ClientError` (or anything shaped like
one: an exception with `response["Error"]["Code"]`) whose code names what went wrong.
Each code becomes a `SearchBackendError` subclass whose message tells the user what to
fix: the collection, the image, the setting. botocore is imported only when converting.
"""

from typing import Any

from leadreview.errors import ConfigurationError, LeadreviewError

# The longest service message we repeat; the rest is noise in a one-line error.
_MAX_SERVICE_MESSAGE = 200

THROTTLING_CODES = frozenset({"ThrottlingException", "ProvisionedThroughputExceededException"})


class SearchBackendError(LeadreviewError):
    """A face-search call that failed; carries the error code, operation and collection."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        operation: str,
        collection_id: str | None = None,
        image_name: str | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.operation = operation
        self.collection_id = collection_id
        self.image_name = image_name


class SearchThrottledError(SearchBackendError):
    """Still throttled after botocore's retries and ours."""


class SearchAccessDeniedError(SearchBackendError):
    """The AWS identity may not call the operation."""


class CollectionNotFoundError(SearchBackendError):
    """The collection does not exist (in this region, for this account)."""


class ProbeImageRejectedError(SearchBackendError):
    """The image is not PNG/JPEG, too large, too small, or unreadable from S3."""


class InvalidSearchRequestError(SearchBackendError):
    """A parameter the service (or the model, checked before sending) rejects."""


class BackendUnavailableError(SearchBackendError):
    """The service failed or could not be reached; trying later may work."""


class AwsConfigurationError(SearchBackendError, ConfigurationError):
    """Settings that cannot work: no region, no credentials, unknown profile, bad endpoint."""


NO_REGION = "no AWS region: set LEADREVIEW_AWS__REGION or aws.region in the config file"
NO_CREDENTIALS = (
    "no AWS credentials: set LEADREVIEW_AWS__PROFILE or aws.profile in the config file "
    "to a profile in ~/.aws, or the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
    "environment variables"
)


def error_code(exc: BaseException) -> str | None:
    """The Rekognition error code of a ClientError-shaped exception, else None."""
    response: Any = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    error = response.get("Error")
    code = error.get("Code") if isinstance(error, dict) else None
    return code if isinstance(code, str) and code else None


def _service_message(exc: BaseException) -> str:
    response: Any = getattr(exc, "response", {})
    message = str(response.get("Error", {}).get("Message", "") or "")
    message = " ".join(message.split())
    if len(message) > _MAX_SERVICE_MESSAGE:
        message = message[: _MAX_SERVICE_MESSAGE - 1] + "…"
    return f": {message}" if message else ""


def from_error_code(
    code: str,
    *,
    operation: str,
    collection_id: str | None,
    image_name: str | None,
    service_message: str = "",
    attempts: int = 1,
) -> SearchBackendError:
    """The one-line error for a Rekognition error code (from the service or checked locally)."""
    context: dict[str, Any] = {
        "code": code,
        "operation": operation,
        "collection_id": collection_id,
        "image_name": image_name,
    }
    on = f"{operation} on collection {collection_id!r}" if collection_id else operation
    image = f"image {image_name!r}" if image_name else "the image"
    detail = f" ({code}){service_message}"
    if code == "ThrottlingException":
        return SearchThrottledError(
            f"{on}: Rekognition is still throttling after {attempts} attempts{detail}; "
            "try again later or lower the request rate",
            **context,
        )
    if code == "ProvisionedThroughputExceededException":
        return SearchThrottledError(
            f"{on}: provisioned throughput exceeded after {attempts} attempts{detail}; "
            "try again later or ask AWS Service Quotas for a higher rate",
            **context,
        )
    if code == "AccessDeniedException":
        return SearchAccessDeniedError(
            f"{on}: access denied{detail}; the AWS identity needs the rekognition:{operation} "
            "permission (check aws.profile)",
            **context,
        )
    if code == "ResourceNotFoundException":
        return CollectionNotFoundError(
            f"collection {collection_id!r} not found{detail}; check the collection id "
            "and aws.region",
            **context,
        )
    if code == "InvalidImageFormatException":
        return ProbeImageRejectedError(
            f"{image}: not an image format Rekognition accepts (PNG or JPEG){detail}", **context
        )
    if code == "ImageTooLargeException":
        return ProbeImageRejectedError(
            f"{image}: too large for Rekognition (at most 5 MB as bytes, 15 MB from S3){detail}",
            **context,
        )
    if code == "InvalidS3ObjectException":
        return ProbeImageRejectedError(
            f"{image}: Rekognition cannot read it from S3 (check bucket, key and region){detail}",
            **context,
        )
    if code == "ValidationException":  # the service's own check of maxima, patterns, enums
        return InvalidSearchRequestError(f"{on}: invalid request{detail}", **context)
    if code == "InvalidParameterException":
        return InvalidSearchRequestError(
            f"{on}: invalid parameter{detail}; Rekognition also answers this when {image} "
            "has no detectable face",
            **context,
        )
    if code == "InternalServerError":
        return BackendUnavailableError(
            f"{on}: Rekognition internal server error{detail}; try again later", **context
        )
    return SearchBackendError(f"{on} failed{detail}", **context)


def backend_error(
    exc: BaseException,
    *,
    operation: str,
    collection_id: str | None = None,
    image_name: str | None = None,
    attempts: int = 1,
) -> SearchBackendError | None:
    """The one-line error for a backend failure, or None if `exc` is not one we know."""
    context: dict[str, Any] = {
        "operation": operation,
        "collection_id": collection_id,
        "image_name": image_name,
    }
    code = error_code(exc)
    if code is not None:
        return from_error_code(
            code, service_message=_service_message(exc), attempts=attempts, **context
        )

    from botocore import exceptions as bx

    if isinstance(exc, bx.NoRegionError):
        return AwsConfigurationError(NO_REGION, code="NoRegionError", **context)
    if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError):
        return AwsConfigurationError(NO_CREDENTIALS, code=type(exc).__name__, **context)
    if isinstance(exc, bx.ProfileNotFound):
        return AwsConfigurationError(
            f"AWS profile {exc.kwargs.get('profile')!r} not found: set LEADREVIEW_AWS__PROFILE "
            "or aws.profile to a profile in ~/.aws/config",
            code="ProfileNotFound",
            **context,
        )
    if isinstance(exc, bx.ConnectTimeoutError | bx.ReadTimeoutError):
        return BackendUnavailableError(
            f"{operation}: timed out talking to {exc.kwargs.get('endpoint_url')} "
            "(raise aws.connect_timeout / aws.read_timeout, or check the network)",
            code=type(exc).__name__,
            **context,
        )
    if isinstance(exc, bx.EndpointConnectionError):
        return BackendUnavailableError(
            f"{operation}: cannot reach the Rekognition endpoint "
            f"{exc.kwargs.get('endpoint_url')} (check aws.endpoint_url, aws.region and the "
            "network)",
            code="EndpointConnectionError",
            **context,
        )
    if isinstance(exc, bx.ParamValidationError):
        first_line = str(exc.kwargs.get("report", exc)).splitlines()[0]
        return InvalidSearchRequestError(
            f"{operation}: invalid request: {first_line}", code="ParamValidationError", **context
        )
    return None
