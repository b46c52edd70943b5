"""`leadreview audit archive --bucket B`: seal the log into a write-once S3 archive."""

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from leadreview.audit.verify import VerifyReport
    from leadreview.settings import Settings


def archive_command(
    bucket: Annotated[str, typer.Option(help="an S3 bucket with Object Lock enabled")],
    prefix: Annotated[str, typer.Option(help="folder in the bucket")] = "leadreview-audit",
    retain_days: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=36_500,
            help="COMPLIANCE retention of new objects; default (and floor): the bucket's rule",
        ),
    ] = None,
) -> None:
    """Seal the events since the last archived segment, with a signed checkpoint, under
    COMPLIANCE Object Lock. Re-running archives only new events."""
    from leadreview.audit.archive import archive_log, make_s3_client
    from leadreview.audit.canonical import format_time
    from leadreview.audit.checkpoint import CheckpointError
    from leadreview.audit.service import AuditContext, sign_tree
    from leadreview.errors import VerificationFailed
    from leadreview.settings import load_settings
    from leadreview.store.store import open_store

    settings = load_settings()
    context = AuditContext.from_settings(settings)
    signer = context.signer()
    store = open_store(settings)
    origin = context.log_origin(store)
    checkpoints = context.checkpoint_store(origin, [signer.verifier()])
    try:
        # The log must extend every checkpoint this installation has issued or seen too.
        seen = [stored.checkpoint for stored in checkpoints.all()]
        summary = archive_log(
            store,
            make_s3_client(settings.aws),
            bucket=bucket,
            prefix=prefix,
            signer=signer,
            origin=origin,
            retain_days=retain_days,
            seen=seen,
            sign_tree=lambda size: sign_tree(store, context, size).signed,
        )
    except CheckpointError as exc:
        raise VerificationFailed(str(exc)) from None
    finally:
        store.dispose()
    if not summary.sealed:
        typer.echo(f"{summary.location}: up to date (events 1–{summary.archived_to} archived)")
        return
    for segment in summary.sealed:
        typer.echo(
            f"sealed {summary.location}{segment.folder('')} ({segment.first}–{segment.last})"
        )
    typer.echo(
        f"{summary.events} event(s) archived, archive now ends at {summary.archived_to}; "
        f"COMPLIANCE retention until {format_time(summary.retain_until)}"
    )


def verify_from_s3(location: str, key: str, settings: "Settings") -> "VerifyReport":
    """For `audit verify --from-s3 BUCKET/PREFIX --key PUBKEY` (wired by the verify command)."""
    from leadreview.audit.archive import make_s3_client, parse_s3_location, verify_archive
    from leadreview.audit.keys import read_verifier

    bucket, prefix = parse_s3_location(location)
    return verify_archive(make_s3_client(settings.aws), bucket, prefix, read_verifier(key))


def register(app: typer.Typer) -> None:
    # A command of the audit colleague's `audit` group, whichever registers first.
    from leadreview.cli.audit_cmd import audit_app

    audit_app.command("archive")(archive_command)
