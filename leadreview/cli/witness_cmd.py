"""`leadreview witness serve`: a C2SP tlog-witness an outside party runs for our logs."""

from pathlib import Path
from typing import Annotated

import typer

witness_app = typer.Typer(
    help="Run a transparency-log witness that cosigns consistent checkpoints.",
    no_args_is_help=True,
)


@witness_app.command("serve")
def serve(
    key: Annotated[
        Path, typer.Option("--key", help="the witness's signing key (created if absent)")
    ],
    log: Annotated[
        list[str],
        typer.Option("--log", help="a log to witness: ORIGIN=VERIFIER_KEY (repeatable)"),
    ],
    state: Annotated[
        Path, typer.Option("--state", help="where the witness keeps what it cosigned")
    ],
    listen: Annotated[str, typer.Option("--listen", help="HOST:PORT (port 0: any free port)")] = (
        "127.0.0.1:8740"
    ),
    name: Annotated[str, typer.Option("--name", help="the witness's key name")] = (
        "leadreview-witness"
    ),
) -> None:
    """Serve POST /add-checkpoint until interrupted; prints the witness's public key."""
    from leadreview.audit.keys import load_or_create_signer, read_verifier
    from leadreview.audit.witness import Witness, witness_key_of
    from leadreview.audit.witness_http import make_server
    from leadreview.errors import ConfigurationError

    logs = {}
    for item in log:
        origin, sep, vkey = item.partition("=")
        if not sep or not origin:
            raise typer.BadParameter(f"--log {item!r}: use ORIGIN=VERIFIER_KEY")
        logs[origin] = read_verifier(vkey)
    host, sep, port_text = listen.rpartition(":")
    if not sep or not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise typer.BadParameter(f"--listen {listen!r}: use HOST:PORT")
    signer, _ = load_or_create_signer(key, name)
    witness = Witness(signer, logs, state)
    try:
        server = make_server(witness, host.strip("[]"), int(port_text))
    except OSError as exc:
        raise ConfigurationError(f"--listen {listen}: {exc.strerror or exc}") from None
    bound_host, bound_port = str(server.server_address[0]), int(server.server_address[1])
    typer.echo(f"witness {witness_key_of(signer).text()}")
    typer.echo(f"listening on http://{bound_host}:{bound_port}", err=False)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def register(app: typer.Typer) -> None:
    app.add_typer(witness_app, name="witness")
