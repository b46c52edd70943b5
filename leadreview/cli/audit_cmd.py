"""`leadreview audit verify|checkpoint|key|export|show`."""

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from leadreview.cli.audit_show import show_command
from leadreview.cli.groups import audit_app
from leadreview.cli.output_paths import output_file, output_folder

if TYPE_CHECKING:
    from leadreview.audit.service import AuditContext
    from leadreview.store.store import Store


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
    proof: Annotated[
        Path | None,
        typer.Option("--proof", help="check a proof offline against --checkpoint and --key"),
    ] = None,
    witness_key: Annotated[
        list[str] | None,
        typer.Option("--witness-key", help="a witness's public key, text or file (repeatable)"),
    ] = None,
    quorum: Annotated[
        int | None,
        typer.Option(
            "--quorum", min=1, help="cosignatures required (default: every --witness-key)"
        ),
    ] = None,
) -> None:
    """Walk the chain; exit 0 if everything holds, else 1 with one line per break."""
    from leadreview.audit.keys import read_verifier
    from leadreview.cli.context import application

    if proof is not None:
        from leadreview.audit.proof_check import check_proof_files

        if key is None or not checkpoint:
            raise typer.BadParameter("--proof needs --checkpoint FILE and --key KEY")
        typer.echo(check_proof_files(proof, checkpoint, read_verifier(key)))
        return
    if from_dir is not None and from_s3 is not None:
        raise typer.BadParameter("give --from or --from-s3, not both")
    if quorum is not None and not witness_key:
        # Silently ignored, it would read as a witness check that passed.
        raise typer.BadParameter("--quorum counts cosignatures: give the --witness-key KEYs")
    extra = [read_verifier(key)] if key else []
    if from_s3 is not None:
        from leadreview.audit.archive import parse_s3_location, verify_archive

        if key is None:
            raise typer.BadParameter("--from-s3 needs --key (the log's public key)")
        bucket, prefix = parse_s3_location(from_s3)
        report = verify_archive(
            application().s3_client(), bucket, prefix, read_verifier(key), checkpoint or []
        )
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
    if witness_key:
        from leadreview.audit.witness_quorum import check_quorum

        check_quorum(report, witness_key, quorum, checkpoint or [])
    for line in report.lines():
        typer.echo(line)
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("checkpoint")
def checkpoint(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="also write the checkpoint to this file (in a folder that exists)",
            callback=output_file(),
        ),
    ] = None,
    witness: Annotated[
        list[str] | None,
        typer.Option("--witness", help="a witness URL to collect a cosignature from (repeatable)"),
    ] = None,
) -> None:
    """Sign the tree's root (C2SP tlog-checkpoint) and keep it with the checkpoints seen."""
    from leadreview.audit.checkpoint import CheckpointError
    from leadreview.audit.cosigning import collect_cosignatures
    from leadreview.audit.service import make_checkpoint
    from leadreview.cli.context import application
    from leadreview.errors import VerificationFailed
    from leadreview.io.atomic import check_output_target

    if output is not None:
        check_output_target(output)  # before signing: a refusal leaves nothing done
    store = application().store()
    try:
        context = application().audit_context()
        stored = make_checkpoint(store, context)
        failures: list[str] = []
        if witness:
            stored, failures = collect_cosignatures(store, context, stored, witness)
    except CheckpointError as exc:  # a refusal, or a bad file among the copies
        raise VerificationFailed(str(exc)) from None
    finally:
        store.dispose()
    if output is not None:
        from leadreview.io.atomic import write_atomically

        write_atomically(output, stored.signed, "checkpoint")
        typer.echo(f"checkpoint of size {stored.checkpoint.size} written to {output}", err=True)
    typer.echo(stored.signed, nl=False)
    if failures:
        raise VerificationFailed(
            f"{len(failures)} of {len(witness or [])} witness(es) did not cosign: {failures[0]}"
        )


@audit_app.command("key")
def key() -> None:
    """Print the public key (a signed-note verifier key) for an outside auditor.

    The private key is created on first use at the settings path (mode 0600)."""
    from leadreview.cli.context import application

    context = application().audit_context()
    existed = context.key_path.exists()
    signer = context.signer()  # refuses to replace a key that has signed checkpoints
    if not existed:
        typer.echo(f"created signing key {context.key_path}", err=True)
    typer.echo(signer.verifier().text())


@audit_app.command("export")
def export(
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="the folder to write (created if absent, inside a folder that exists)",
            callback=output_folder,
        ),
    ],
    fmt: Annotated[
        str, typer.Option("--format", help="jsonl, csv or tiles (C2SP tlog-tiles)")
    ] = "jsonl",
    witness: Annotated[
        list[str] | None,
        typer.Option("--witness", help="a witness URL to cosign the export's checkpoint"),
    ] = None,
) -> None:
    """Export the events and signed checkpoints for offline verification."""
    from leadreview.audit.checkpoint import CheckpointError
    from leadreview.audit.cosigning import cosigner
    from leadreview.audit.export import ExportFormat
    from leadreview.audit.service import export_with_context
    from leadreview.cli.context import application
    from leadreview.errors import VerificationFailed

    try:
        export_format = ExportFormat(fmt)
    except ValueError:
        raise typer.BadParameter(f"--format {fmt!r}: use jsonl, csv or tiles") from None
    context = application().audit_context()
    store = application().store()
    missed: list[str] = []
    try:
        cosign = cosigner(store, context, witness, missed) if witness else None
        summary = export_with_context(store, context, output, export_format, cosign)
    except CheckpointError as exc:
        raise VerificationFailed(str(exc)) from None
    finally:
        store.dispose()
    if export_format is ExportFormat.TILES:
        typer.echo(f"{summary.events} events as tlog-tiles in {summary.directory}")
    else:
        typer.echo(
            f"{summary.events} events to {summary.events_file}, "
            f"{summary.checkpoints} checkpoint(s) in {summary.directory / 'checkpoints'}"
        )
    if missed:
        raise VerificationFailed(
            f"{len(missed)} of {len(witness or [])} witness(es) did not cosign: {missed[0]}"
        )


prove_app = typer.Typer(help="Print inclusion and consistency proofs.", no_args_is_help=True)


@prove_app.command("inclusion")
def prove_inclusion_command(
    seq: Annotated[int, typer.Argument(help="the event's sequence number", min=1)],
    size: Annotated[
        int | None, typer.Option("--size", help="the tree size (default: the whole log)", min=1)
    ] = None,
) -> None:
    """Print a proof that event SEQ is in the tree (docs/audit-format.md, "Proofs")."""
    from leadreview.audit.service import prove_inclusion

    _print_proof(lambda store, context: prove_inclusion(store, context, seq, size).text())


@prove_app.command("consistency")
def prove_consistency_command(
    old: Annotated[int, typer.Argument(help="the older tree size", min=0)],
    new: Annotated[int, typer.Argument(help="the newer tree size", min=0)],
) -> None:
    """Print a proof that the tree of NEW events extends the tree of OLD events."""
    from leadreview.audit.service import prove_consistency

    _print_proof(lambda store, context: prove_consistency(store, context, old, new).text())


def _print_proof(make: "Callable[[Store, AuditContext], str]") -> None:
    from leadreview.audit.merkle import ProofError
    from leadreview.cli.context import application
    from leadreview.errors import VerificationFailed

    context = application().audit_context()
    store = application().store()
    try:
        typer.echo(make(store, context), nl=False)
    except ProofError as exc:
        raise VerificationFailed(str(exc)) from None
    finally:
        store.dispose()


audit_app.add_typer(prove_app, name="prove")


# Filters, summaries and the --filtered-by table live in audit_show.py.
audit_app.command("show")(show_command)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
