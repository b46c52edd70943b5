"""`leadreview rekognition serve|keys`: a Rekognition-compatible endpoint, and its access keys.

`serve` answers the AWS JSON 1.1 protocol of the `rekognition` service for the
face-collection operations, so that an unmodified AWS client pointed at it with
`--endpoint-url` runs its workflow against the simulated world (or, with `--upstream
aws`, against real Rekognition); every search is recorded as a case under the principal
behind the signing key. `keys` issues and revokes those keys (supervisors only).
"""

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from leadreview.cli.acting import acting_as, policy_set
from leadreview.cli.bounds import person_name
from leadreview.cli.free_text import LINE_MAX, one_line
from leadreview.cli.options import InForceOption, PolicyOption, SeedOption
from leadreview.domain.policy import UseCase
from leadreview.domain.probe import CaptureQuality
from leadreview.domain.roles import Role

if TYPE_CHECKING:
    from leadreview.settings import Settings
    from leadreview.workflow.context import WorkflowContext

rekognition_app = typer.Typer(
    help="A Rekognition-compatible endpoint (AWS JSON 1.1, SigV4) and its access keys.",
    no_args_is_help=True,
)
keys_app = typer.Typer(
    help="Access keys for the endpoint (secrets shown once).", no_args_is_help=True
)
rekognition_app.add_typer(keys_app, name="keys")

_LOOPBACK = ("127.0.0.1", "::1", "localhost")


class Upstream(StrEnum):
    SIMULATED = "simulated"
    AWS = "aws"


def _ctx(settings: "Settings") -> "WorkflowContext":
    from leadreview.cli.context import application

    del settings  # the composition root's store, opened from the same settings
    return application().workflow_context()


@rekognition_app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="0: any free port")] = 0,
    world: Annotated[
        str | None,
        typer.Option("--world", help="seed a collection from this scenario's gallery"),
    ] = None,
    seed: SeedOption = None,
    collection: Annotated[
        str, typer.Option("--collection", help="the collection --world seeds")
    ] = "booking-photos",
    upstream: Annotated[
        Upstream, typer.Option("--upstream", help="aws: forward to real Rekognition")
    ] = Upstream.SIMULATED,
    max_rate: Annotated[
        float | None,
        typer.Option("--max-rate", min=0.001, help="requests/s per key; over it: throttled"),
    ] = None,
    offense: Annotated[
        str,
        typer.Option(
            "--offense",
            help=f"the offense recorded on each search's case (one line, at most {LINE_MAX})",
            callback=one_line(),
        ),
    ] = "not stated (Rekognition API client)",
    use_case: Annotated[UseCase, typer.Option("--use-case")] = UseCase.INVESTIGATION,
    quality: Annotated[CaptureQuality, typer.Option("--quality")] = CaptureQuality.CCTV,
    policy: PolicyOption = None,
    in_force: InForceOption = None,
) -> None:
    """Serve Rekognition's collection API over HTTP; every search goes on the record."""
    from leadreview.cli.context import application
    from leadreview.endpoint.build import EndpointOptions, build_server, simulated_collections
    from leadreview.endpoint.recording import CaseDefaults
    from leadreview.errors import InputFileError

    settings = application().settings
    policies = policy_set(policy, in_force)
    upstream_client = None
    collections = None
    if upstream is Upstream.AWS:
        if world is not None:
            raise InputFileError("--world: cannot seed real Rekognition; use the simulator")
        from leadreview.search.rekognition import make_rekognition_client

        upstream_client = make_rekognition_client(settings)
    else:
        collections = simulated_collections(settings)
        if world is not None:
            seeded = collections.seed_world(collection, world, seed)
            typer.echo(
                f"collection {collection!r}: "
                + ("restored" if seeded is None else f"seeded with {seeded} faces from {world}"),
                err=True,
            )
    store = application().store()
    options = EndpointOptions(
        host=host,
        port=port,
        upstream_client=upstream_client,
        max_rate=max_rate,
        case_defaults=CaseDefaults(offense=offense, use_case=use_case, quality=quality),
    )
    try:
        server = build_server(settings, store, policies, options, collections)
    except OSError as exc:
        store.dispose()
        raise InputFileError(
            f"--host {host} --port {port}: cannot listen ({exc.strerror or exc})"
        ) from None
    if host not in _LOOPBACK:
        # Once listening (a host that cannot be bound ends in its one error line alone).
        typer.echo(
            f"warning: listening on {host}, not loopback: anyone who can reach it and holds "
            "a key can search (requests are plain HTTP; put TLS in front)",
            err=True,
        )
    typer.echo(f"serving Rekognition on {server.url} ({upstream.value})", err=True)
    typer.echo(server.url)  # on stdout alone, for scripts that start it with --port 0
    _stop_on_sigterm()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        store.dispose()


def _stop_on_sigterm() -> None:
    """SIGTERM (a service manager's stop) ends the server as Ctrl-C does: sockets closed,
    the store disposed; a search in flight either committed or not at all."""
    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


@keys_app.command("add")
def keys_add(
    principal: Annotated[str, typer.Argument(help="who the key acts as", callback=person_name)],
    role: Annotated[Role, typer.Option("--role", help="the role it acts in")] = Role.INVESTIGATOR,
    as_role: Annotated[
        Role, typer.Option("--my-role", help="your role (issuing keys is a supervisor's)")
    ] = Role.SUPERVISOR,
) -> None:
    """Issue an access key; the secret is printed once."""
    from leadreview.cli.context import application
    from leadreview.domain.roles import named_actor
    from leadreview.endpoint.build import key_ring
    from leadreview.endpoint.key_admin import issue_key

    settings = application().settings
    issuer = acting_as(as_role)  # you, in a role granted to you
    holder = named_actor(principal, role, "the key's holder")  # who it acts as: not you
    ctx = _ctx(settings)
    try:
        issued = issue_key(ctx, key_ring(settings), issuer, holder)
    finally:
        ctx.store.dispose()
    typer.echo(f"aws_access_key_id = {issued.key.access_key_id}")
    typer.echo(f"aws_secret_access_key = {issued.secret_access_key}")
    typer.echo(
        f"issued to {holder.name} ({holder.role.value}); the secret is not shown again", err=True
    )


@keys_app.command("list")
def keys_list() -> None:
    """The keys issued, who they act as, and whether they are revoked (never secrets)."""
    from leadreview.cli.context import application
    from leadreview.endpoint.build import key_ring

    for key in key_ring(application().settings).all_keys():
        state = "active" if key.active else f"revoked {key.revoked_at} by {key.revoked_by}"
        typer.echo(
            f"{key.access_key_id}  {key.principal} ({key.role.value})  "
            f"issued {key.created_at} by {key.created_by}  {state}"
        )


@keys_app.command("revoke")
def keys_revoke(
    access_key_id: Annotated[str, typer.Argument(help="the key to revoke")],
    as_role: Annotated[Role, typer.Option("--my-role", help="your role")] = Role.SUPERVISOR,
) -> None:
    """Revoke a key: a running endpoint refuses it from its next request."""
    from leadreview.cli.context import application
    from leadreview.endpoint.build import key_ring
    from leadreview.endpoint.key_admin import revoke_key

    settings = application().settings
    revoker = acting_as(as_role)
    ctx = _ctx(settings)
    try:
        revoke_key(ctx, key_ring(settings), revoker, access_key_id)
    finally:
        ctx.store.dispose()
    typer.echo(f"revoked {access_key_id}")


def register(app: typer.Typer) -> None:
    app.add_typer(rekognition_app, name="rekognition")
