"""One boto3 client factory for every AWS service leadreview calls (Rekognition, S3).

The session comes from `settings.aws` (profile, region) and the client's config from its
retry and timeout fields: botocore's standard retry mode retries throttling and 5xx
answers with backoff, and its `total_max_attempts` counts the first call too, as
`aws.max_attempts` does. botocore's own errors (no region, unknown profile, a bad
endpoint URL as ValueError) pass through: each caller words them for its command.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leadreview.settings import AwsSettings


def aws_client(service: str, aws: "AwsSettings") -> Any:
    """A boto3 client for `service` (typed by the caller: boto3-stubs types it by name)."""
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "total_max_attempts": aws.max_attempts},
        connect_timeout=aws.connect_timeout,
        read_timeout=aws.read_timeout,
    )
    session = boto3.session.Session(profile_name=aws.profile, region_name=aws.region)
    return session.client(service, endpoint_url=aws.endpoint_url, config=config)  # type: ignore[call-overload]
