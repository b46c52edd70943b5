"""`leadreview case open|list|show`: open a case against a face-search backend, read cases.

`case open` runs the same workflow code on both backends: the client comes from
`make_search_client` (settings, or --backend), the search and its recording from the
workflow's `open_case`. With the simulated backend the gallery is a batch scenario's
world, imported into a fresh simulated collection; render a probe of the same world with
`leadreview probe render`. A failed search ends in one line, and is on the audit record.
"""

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from leadreview.cli.acting import acting_as, policy_set, review_workflow
from leadreview.cli.bounds import ROW_ID_MAX
from leadreview.cli.free_text import LINE_MAX, one_line
from leadreview.cli.groups import case_app
from leadreview.cli.options import (
    DEFAULT_SCENARIO,
    InForceOption,
    PolicyOption,
    ScenarioOption,
    SeedOption,
)
from leadreview.domain.policy import UseCase
from leadreview.domain.probe import CaptureQuality
from leadreview.domain.roles import Role

if TYPE_CHECKING:
    from leadreview.domain.case import CaseOpening
    from leadreview.domain.roles import Actor
    from leadreview.workflow.service import ReviewWorkflow
    from leadreview.workflow.views import CaseDetail

# Larger image files are refused unread; up to here one over Rekognition's 5 MB is read,
# so that its refusal goes on record with the image's digest.
MAX_IMAGE_FILE_BYTES = 64 * 1024 * 1024

# The collection a simulated run creates, as batch replays name theirs.
SIMULATED_COLLECTION = "booking-photos"


class BackendChoice(StrEnum):
    SIMULATED = "simulated"
    REKOGNITION = "rekognition"


class StatusChoice(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    ALL = "all"


def _read_image(path: Path) -> bytes:
    from leadreview.errors import InputFileError
    from leadreview.io.limits import read_limited

    # A regular file only (a FIFO would block, /dev/zero never ends), and bounded: past
    # Rekognition's 5 MB the search is refused anyway, and recorded as refused.
    try:
        return read_limited(path, "image", max_bytes=MAX_IMAGE_FILE_BYTES)
    except InputFileError as exc:
        raise InputFileError(f"--image {exc.message}") from None


@case_app.command("open")
def open_command(
    image: Annotated[Path, typer.Option("--image", help="the probe image (PNG or JPEG)")],
    offense: Annotated[
        str,
        typer.Option(
            "--offense",
            help=f"the offense under investigation (one line, at most {LINE_MAX} characters)",
            callback=one_line(),
        ),
    ],
    use_case: Annotated[UseCase, typer.Option("--use-case")] = UseCase.INVESTIGATION,
    quality: Annotated[
        CaptureQuality, typer.Option("--quality", help="how the probe was captured")
    ] = CaptureQuality.CCTV,
    source: Annotated[
        str | None, typer.Option("--source", help="where the probe came from")
    ] = None,
    collection: Annotated[
        str | None,
        typer.Option(
            "--collection",
            help=f"the collection to search; required for rekognition "
            f"(simulated default: {SIMULATED_COLLECTION})",
        ),
    ] = None,
    backend: Annotated[
        BackendChoice | None, typer.Option("--backend", help="default: settings `backend`")
    ] = None,
    scenario: ScenarioOption = DEFAULT_SCENARIO,
    seed: SeedOption = None,
    policy: PolicyOption = None,
    in_force: InForceOption = None,
    role: Annotated[Role, typer.Option("--role", help="the role you act in")] = Role.INVESTIGATOR,
) -> None:
    """Search the image, record the case, its leads and every policy's verdict."""
    from leadreview.cli.context import application
    from leadreview.errors import InputFileError
    from leadreview.runs.scenarios import load_scenario_gallery
    from leadreview.workflow.cases import SearchBackend

    data = _read_image(image)
    app = application()
    if backend is not None:
        app = app.with_settings(backend=backend.value)
    settings = app.settings
    if collection is None and settings.backend == "rekognition":
        raise InputFileError("--collection: required with the rekognition backend")
    collection_id = collection or SIMULATED_COLLECTION
    who = acting_as(role)
    policies = policy_set(policy, in_force)
    client = app.search_client()  # a bad region or profile ends here, in one line
    if settings.backend == "simulated":
        load_scenario_gallery(client, collection_id, scenario, seed)
    store = application().store()
    try:
        workflow = review_workflow(
            store, policies, backend=SearchBackend(client=client, collection_id=collection_id)
        )
        opening = _opening(
            workflow,
            who,
            data,
            image_name=image.name,
            collection_id=collection_id,
            offense=offense,
            use_case=use_case,
            quality=quality,
            source=source or f"image file {image.name}",
        )
        detail = workflow.open_case(who, opening)
    finally:
        store.dispose()
    print_case(detail, title=f"opened on {settings.backend} collection {collection_id!r}")


def _opening(
    workflow: "ReviewWorkflow",
    who: "Actor",
    data: bytes,
    *,
    image_name: str,
    collection_id: str,
    offense: str,
    use_case: UseCase,
    quality: CaptureQuality,
    source: str,
) -> "CaseOpening":
    """The CaseOpening; an image too large to hold is refused and recorded as a failed
    search first, as the service would refuse it."""
    from pydantic import ValidationError

    from leadreview.domain.case import MAX_PROBE_BYTES, CaseOpening
    from leadreview.domain.roles import Action
    from leadreview.errors import InputFileError
    from leadreview.search.backend_errors import from_error_code
    from leadreview.search.rekognition import SEARCH
    from leadreview.workflow.search_failures import record_search_failure

    if len(data) > MAX_PROBE_BYTES:
        workflow.authorize(who, Action.OPEN_CASE, {"offense": offense})
        error = from_error_code(
            "ImageTooLargeException",
            operation=SEARCH,
            collection_id=collection_id,
            image_name=image_name,
            service_message=f": {len(data)} bytes",
        )
        record_search_failure(
            workflow.ctx,
            who,
            error,
            image=data,
            image_name=image_name,
            collection_id=collection_id,
            attempts=0,
        )
        raise error
    try:
        return CaseOpening(
            offense=offense,
            use_case=use_case,
            quality=quality,
            source=source,
            image=data,
            probe_ref=image_name[:255],
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise InputFileError(f"--{field.replace('_', '-')}: {first['msg']}") from None


def print_case(
    detail: "CaseDetail", title: str = "", disagreements: "dict[int, list[str]] | None" = None
) -> None:
    """The case's ranked leads, one column per policy with its verdict (* in force); a
    lead whose row disagrees with the log is marked `≠ log` and explained below."""
    from rich.console import Console
    from rich.table import Table

    s = detail.summary
    console = Console()
    search = detail.search
    console.print(
        f"[bold]case {s.case_id}[/bold] {s.offense} — {s.use_case.value}, {s.status.value}, "
        f"opened by {s.opened_by} ({s.opened_by_role.value}); policy in force {s.policy_name}"
        + (f"; {title}" if title else "")
    )
    if search is not None:
        console.print(
            f"search {search.search_id}: collection {search.collection_id!r}, "
            f"max faces {search.max_faces}, threshold {search.face_match_threshold:g}; "
            f"{s.lead_count} leads, {s.shown_count} shown"
        )
    table = Table(title=f"Leads of case {s.case_id}")
    for column in ("rank", "lead", "similarity", "gallery image", "status"):
        table.add_column(column, justify="right" if column in ("rank", "lead") else "left")
    for ref in detail.policies:
        table.add_column(ref.name + (" *" if ref.in_force else ""))
    for lead in detail.leads:
        cells = []
        for ref in detail.policies:
            v = lead.verdict_for(ref.name)
            cells.append("-" if v is None else v.verdict.value + _rule(v.verdict.value, v.rule))
        table.add_row(
            str(lead.rank),
            str(lead.lead_id),
            f"{lead.similarity:.2f}",
            lead.external_image_id or lead.face_id,
            lead.status.value + (" ≠ log" if lead.lead_id in (disagreements or {}) else ""),
            *cells,
        )
    console.print(table)
    for lead_id, details in sorted((disagreements or {}).items()):
        console.print(f"lead {lead_id} disagrees with the log: {'; '.join(details)}")
    if detail.hidden_filtered:
        console.print(f"{detail.hidden_filtered} filtered lead(s) not shown to this role")


def _rule(verdict: str, rule: str) -> str:
    return f" ({rule})" if verdict == "filtered" else ""


@case_app.command("list")
def list_command(
    status: Annotated[StatusChoice, typer.Option("--status")] = StatusChoice.OPEN,
    role: Annotated[Role, typer.Option("--role", help="the role you view in")] = Role.REVIEWER,
) -> None:
    """The cases in the review queue (open ones unless --status says otherwise)."""
    from rich.console import Console
    from rich.table import Table

    from leadreview.cli.context import application
    from leadreview.domain.case import CaseStatus

    who = acting_as(role)
    store = application().store()
    try:
        chosen = None if status is StatusChoice.ALL else CaseStatus(status.value)
        cases = review_workflow(store, policy_set(None, None)).queue(who, chosen)
    finally:
        store.dispose()
    table = Table(title=f"Cases ({status.value})")
    for column in ("case", "offense", "use case", "status", "opened", "by", "policy", "leads"):
        table.add_column(column)
    table.add_column("shown / awaiting / forwarded")
    for c in cases:
        table.add_row(
            str(c.case_id),
            c.offense,
            c.use_case.value,
            c.status.value,
            c.opened_at.strftime("%Y-%m-%d %H:%M"),
            c.opened_by,
            c.policy_name,
            str(c.lead_count),
            f"{c.shown_count} / {c.awaiting_count} / {c.forwarded_count}",
        )
    Console().print(table)


@case_app.command("show")
def show_command(
    case_id: Annotated[int, typer.Argument(help="the case id", min=1, max=ROW_ID_MAX)],
    role: Annotated[Role, typer.Option("--role", help="the role you view in")] = Role.REVIEWER,
) -> None:
    """A case's probe, search and ranked leads with every policy's verdict."""
    from leadreview.cli.context import application

    who = acting_as(role)
    store = application().store()
    try:
        detail = review_workflow(store, policy_set(None, None)).case(case_id, who)
        from leadreview.workflow.row_checks import case_lead_disagreements

        with store.reading() as session:
            shown = {lead.lead_id for lead in detail.leads}
            disagreements = {
                k: v for k, v in case_lead_disagreements(session, case_id).items() if k in shown
            }
    finally:
        store.dispose()
    print_case(detail, disagreements=disagreements)
    probe = detail.probe
    sha = probe.image_sha256[:16] if probe.image_sha256 else "-"
    typer.echo(
        f"probe {probe.probe_ref or probe.probe_id}: {probe.quality.value}, {probe.source}, "
        f"{probe.image_size} bytes, sha256 {sha}…"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(case_app, name="case")
