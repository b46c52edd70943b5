"""`leadreview audit archive --bucket B`: seal the log into a write-once S3 archive."""

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    pass


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
    witness: Annotated[
        list[str] | None,
        typer.Option(
            "--witness", help="a witness URL to cosign the archive's new checkpoint (repeatable)"
        ),
    ] = None,
) -> None:
    """Seal the events since the last archived segment, with a signed checkpoint, under
    COMPLIANCE Object Lock. Re-running archives only new events."""
    from leadreview.audit.archive import archive_log
    from leadreview.audit.canonical import format_time
    from leadreview.audit.checkpoint import CheckpointError
    from leadreview.audit.cosigning import cosigner
    from leadreview.audit.service import sign_tree
    from leadreview.cli.context import application
    from leadreview.errors import VerificationFailed

    context = application().audit_context()
    signer = context.signer()
    store = application().store()
    origin = context.log_origin(store)
    checkpoints = context.checkpoint_store(origin, [signer.verifier()])
    missed: list[str] = []
    try:
        # The log must extend every checkpoint this installation has issued or seen too.
        seen = [stored.checkpoint for stored in checkpoints.all()]
        summary = archive_log(
            store,
            application().s3_client(),
            bucket=bucket,
            prefix=prefix,
            signer=signer,
            origin=origin,
            retain_days=retain_days,
            seen=seen,
            sign_tree=lambda size: sign_tree(store, context, size).signed,
            cosign=cosigner(store, context, witness, missed) if witness else None,
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
    if missed:
        raise VerificationFailed(
            f"{len(missed)} of {len(witness or [])} witness(es) did not cosign the "
            f"archive's checkpoint: {missed[0]}"
        )


def register(app: typer.Typer) -> None:
    # A command of the audit colleague's `audit` group, whichever registers first.
    from leadreview.cli.audit_cmd import audit_app

    audit_app.command("archive")(archive_command)
