"""`leadreview audit verify|checkpoint|key|export|show`."""

from pathlib import Path
from typing import Annotated

import typer

from leadreview.cli.audit_show import show_command

audit_app = typer.Typer(
    help="Verify, checkpoint, export and browse the audit log.", no_args_is_help=True
)


@audit_app.command("verify")
def verify(
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option("--checkpoint", help="a signed checkpoint the log must extend (repeatable)"),
    ] = None,
    from_dir: Annotated[
        Path | None, typer.Option("--from", help="verify an export directory offline")
    ] = None,
    from_s3: Annotated[
        str | None,
        typer.Option("--from-s3", help="verify a write-once archive: BUCKET/PREFIX"),
    ] = None,
    key: Annotated[
        str | None,
        typer.Option("--key", help="the public (verifier) key, as text or a file holding it"),
    ] = None,
) -> None:
    """Walk the chain; exit 0 if everything holds, else 1 with one line per break."""
    from leadreview.audit.keys import read_verifier
    from leadreview.cli.context import application

    if from_dir is not None and from_s3 is not None:
        raise typer.BadParameter("give --from or --from-s3, not both")
    extra = [read_verifier(key)] if key else []
    if from_s3 is not None:
        from leadreview.audit.archive import parse_s3_location, verify_archive

        if key is None:
            raise typer.BadParameter("--from-s3 needs --key (the log's public key)")
        bucket, prefix = parse_s3_location(from_s3)
        report = verify_archive(application().s3_client(), bucket, prefix, read_verifier(key))
    elif from_dir is not None:
        from leadreview.audit.export import verify_export

        if not extra:
            raise typer.BadParameter("--from needs --key (the log's public key)")
        report = verify_export(from_dir, extra, checkpoint or [])
    else:
        from leadreview.audit.service import verify_with_context

        store = application().store()
        try:
            report = verify_with_context(
                store, application().audit_context(), checkpoint or [], extra
            )
            from leadreview.exercise.row_checks import row_breaks

            report.breaks.extend(row_breaks(store))
        finally:
            store.dispose()
    for line in report.lines():
        typer.echo(line)
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("checkpoint")
def checkpoint(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="also write the checkpoint here")
    ] = None,
) -> None:
    """Sign the log's head (C2SP tlog-checkpoint) and keep it with the checkpoints seen."""
    from leadreview.audit.checkpoint_store import CheckpointRollbackError
    from leadreview.audit.service import make_checkpoint
    from leadreview.cli.context import application
    from leadreview.errors import VerificationFailed

    store = application().store()
    try:
        stored = make_checkpoint(store, application().audit_context())
    except CheckpointRollbackError as exc:
        raise VerificationFailed(str(exc)) from None
    finally:
        store.dispose()
    if output is not None:
        output.write_text(stored.signed, encoding="utf-8")
        typer.echo(f"checkpoint of size {stored.checkpoint.size} written to {output}", err=True)
    typer.echo(stored.signed, nl=False)


@audit_app.command("key")
def key() -> None:
    """Print the public key (a signed-note verifier key) for an outside auditor.

    The private key is created on first use at the settings path (mode 0600)."""
    from leadreview.audit.keys import load_or_create_signer
    from leadreview.cli.context import application

    settings = application().settings
    path = settings.resolved_signing_key_path()
    signer, created = load_or_create_signer(path, settings.log_origin)
    if created:
        typer.echo(f"created signing key {path}", err=True)
    typer.echo(signer.verifier().text())


@audit_app.command("export")
def export(
    output: Annotated[Path, typer.Option("--output", "-o", help="directory to write")],
    fmt: Annotated[str, typer.Option("--format", help="jsonl or csv")] = "jsonl",
) -> None:
    """Export the events and signed checkpoints for offline verification."""
    from leadreview.audit.export import ExportFormat, export_log
    from leadreview.cli.context import application

    try:
        export_format = ExportFormat(fmt)
    except ValueError:
        raise typer.BadParameter(f"--format {fmt!r}: use jsonl or csv") from None
    context = application().audit_context()
    store = application().store()
    try:
        seen = [s.signed for s in context.checkpoint_store([context.signer().verifier()]).all()]
        summary = export_log(
            store,
            output,
            export_format,
            signer=context.signer(),
            origin=context.origin,
            seen_checkpoints=seen,
        )
    finally:
        store.dispose()
    typer.echo(
        f"{summary.events} events to {summary.events_file}, "
        f"{summary.checkpoints} checkpoint(s) in {summary.directory / 'checkpoints'}"
    )


# Filters, summaries and the --filtered-by table live in audit_show.py.
audit_app.command("show")(show_command)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
