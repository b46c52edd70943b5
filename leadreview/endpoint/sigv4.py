"""Verify an AWS Signature Version 4 on a request, as the service does.

The expected signature is computed by botocore's own signer (`SigV4Auth`) from the
headers the client says it signed, the body, the date it signed at and the secret of the
access key it names; the two are compared in constant time. What the service answers:

* no `Authorization` header, another scheme, or an access key it does not know (or one
  that was revoked): `UnrecognizedClientException`;
* a signature that does not match, a scope for another service, or a date more than
  15 minutes from the server's clock: `InvalidSignatureException`.
"""

import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from leadreview.endpoint.errors import EndpointError

SERVICE = "rekognition"
ALGORITHM = "AWS4-HMAC-SHA256"
MAX_CLOCK_SKEW = timedelta(minutes=15)
_SIGV4_TIMESTAMP = "%Y%m%dT%H%M%SZ"
_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+)\s*,\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+)\s*,\s*Signature=(?P<signature>[0-9a-f]{64})\s*$"
)
_UNRECOGNIZED = "The security token included in the request is invalid."


@dataclass(frozen=True)
class SignedRequest:
    method: str
    path: str  # with the query string, if any
    headers: Mapping[str, str]  # names lower-cased
    body: bytes


@dataclass(frozen=True)
class Signer:
    """Who signed: the access key id and the region the client signed for."""

    access_key_id: str
    region: str


def verify(
    request: SignedRequest,
    secret_for: Callable[[str], str | None],
    *,
    now: datetime | None = None,
) -> Signer:
    """The signer of `request`, or EndpointError as the service would answer."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    authorization = request.headers.get("authorization")
    if not authorization:
        raise EndpointError("UnrecognizedClientException", _UNRECOGNIZED)
    match = _AUTHORIZATION.match(authorization.strip())
    if match is None:
        if not authorization.startswith(ALGORITHM):
            raise EndpointError("UnrecognizedClientException", _UNRECOGNIZED)
        raise EndpointError(
            "InvalidSignatureException",
            "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'.",
        )
    parts = match["credential"].split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise EndpointError("InvalidSignatureException", "Credential should be scoped correctly.")
    access_key_id, day, region, service, _ = parts
    secret = secret_for(access_key_id)
    if secret is None:
        raise EndpointError("UnrecognizedClientException", _UNRECOGNIZED)
    if service != SERVICE:
        raise EndpointError(
            "InvalidSignatureException",
            f"Credential should be scoped to correct service: '{SERVICE}'.",
        )
    stamp = request.headers.get("x-amz-date", "")
    try:
        signed_at = datetime.strptime(stamp, _SIGV4_TIMESTAMP).replace(tzinfo=UTC)
    except ValueError:
        raise EndpointError(
            "InvalidSignatureException", "X-Amz-Date is missing or not in ISO 8601 basic form."
        ) from None
    if stamp[:8] != day:
        raise EndpointError(
            "InvalidSignatureException", "Credential should be scoped to a valid date."
        )
    clock = now or datetime.now(UTC)
    if abs(clock - signed_at) > MAX_CLOCK_SKEW:
        raise EndpointError(
            "InvalidSignatureException",
            f"Signature expired: {stamp} is now earlier or later than "
            f"{clock.strftime(_SIGV4_TIMESTAMP)} by more than 15 minutes.",
        )
    signed_names = match["signed"].split(";")
    if "host" not in signed_names:
        raise EndpointError("InvalidSignatureException", "'Host' must be a signed header.")
    missing = [name for name in signed_names if name not in request.headers]
    if missing:
        raise EndpointError("InvalidSignatureException", f"signed header {missing[0]!r} is absent.")
    rebuilt = AWSRequest(
        method=request.method,
        url=f"http://{request.headers['host']}{request.path}",
        headers={name: request.headers[name] for name in signed_names},
        data=request.body,
    )
    rebuilt.context["timestamp"] = stamp
    signer = SigV4Auth(Credentials(access_key_id, secret), SERVICE, region)
    canonical = signer.canonical_request(rebuilt)
    expected = signer.signature(signer.string_to_sign(rebuilt, canonical), rebuilt)
    if not hmac.compare_digest(expected, match["signature"]):
        raise EndpointError(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method.",
        )
    return Signer(access_key_id=access_key_id, region=region)
