"""`leadreview case enforce LEAD`: ask for an arrest, a warrant or a search on a lead.

The enforcement gate answers: granted only for a lead that review forwarded, with evidence
independent of it cited; a face-search lead, or a photo line-up built from it, never
counts. Granted or refused, the request is on record with who asked; a refusal ends in
one line and exit status 3.
"""

from typing import TYPE_CHECKING, Annotated

import typer

from leadreview.cli.acting import acting_as, policy_set, review_workflow
from leadreview.cli.bounds import ROW_ID_MAX
from leadreview.cli.free_text import each_line
from leadreview.cli.groups import case_app
from leadreview.domain.enforcement import EnforcementKind, EvidenceKind
from leadreview.domain.roles import Role

if TYPE_CHECKING:
    from leadreview.domain.enforcement import EvidenceItem

EVIDENCE_HELP = (
    "KIND=DESCRIPTION, repeatable, one line of at most 2000 characters; kinds: "
    + ", ".join(k.value for k in EvidenceKind)
)


def _items(texts: list[str], *, derived: bool, option: str) -> "list[EvidenceItem]":
    from pydantic import ValidationError

    from leadreview.domain.enforcement import EvidenceItem
    from leadreview.errors import InputFileError

    items = []
    for text in texts:
        kind, equals, description = text.partition("=")
        if not equals:
            raise InputFileError(f"{option} {text!r}: write KIND=DESCRIPTION")
        try:
            items.append(
                EvidenceItem(
                    kind=EvidenceKind(kind.strip()),
                    description=description.strip(),
                    derived_from_lead=derived,
                )
            )
        except ValueError as exc:
            if isinstance(exc, ValidationError):
                reason = exc.errors()[0]["msg"]
            else:
                reason = f"unknown kind; use one of {', '.join(k.value for k in EvidenceKind)}"
            raise InputFileError(f"{option} {text[:60]!r}: {reason}") from None
    return items


@case_app.command("enforce")
def enforce_command(
    lead_id: Annotated[int, typer.Argument(min=1, max=ROW_ID_MAX, help="the forwarded lead")],
    kind: Annotated[EnforcementKind, typer.Option("--kind", help="arrest, warrant or search")],
    evidence: Annotated[
        list[str] | None,
        typer.Option(
            "--evidence",
            help="independent evidence: " + EVIDENCE_HELP,
            callback=each_line,
        ),
    ] = None,
    derived: Annotated[
        list[str] | None,
        typer.Option(
            "--derived",
            help="evidence found only by following the lead: KIND=DESC",
            callback=each_line,
        ),
    ] = None,
    role: Annotated[Role, typer.Option("--role", help="the role you act in")] = Role.INVESTIGATOR,
) -> None:
    """Ask the enforcement gate for an arrest, warrant or search on a forwarded lead."""
    from leadreview.cli.context import application

    items = _items(evidence or [], derived=False, option="--evidence") + _items(
        derived or [], derived=True, option="--derived"
    )
    who = acting_as(role)
    store = application().store()
    try:
        granted = review_workflow(store, policy_set(None, None)).request_enforcement(
            who, lead_id, kind, items
        )
    finally:
        store.dispose()
    typer.echo(
        f"{granted.kind.value} request {granted.request_id} on lead {lead_id} granted: "
        f"{granted.reason}"
    )


def register(app: typer.Typer) -> None:
    """The command above attaches to `case_app` when this module is imported."""
    del app
