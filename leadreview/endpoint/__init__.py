"""A Rekognition-compatible HTTP endpoint (AWS JSON 1.1 with SigV4) over leadreview.

Unmodified AWS clients (boto3, the AWS CLI, other SDKs) pointed at it with
`--endpoint-url` run their collection workflow against the simulated Rekognition (or,
with `--upstream aws`, against the real one), and every search they make is recorded as a
case, with its leads and every policy's shadow verdict, under the principal behind the
access key that signed the request. Nothing here imports typer or Textual.
"""
