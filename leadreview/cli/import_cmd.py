"""`leadreview audit import-responses PATH`: record saved SearchFacesByImage responses."""

from pathlib import Path
from typing import Annotated

import typer

from leadreview.domain.roles import Role
from leadreview.errors import LeadreviewError


class SkippedFilesError(LeadreviewError):
    """Some files were skipped: the table says why; the exit status says so to scripts."""

    exit_code = 1


def import_responses_command(
    path: Annotated[Path, typer.Argument(help="directory of saved responses (*.json)")],
    policy: Annotated[
        list[str] | None,
        typer.Option("--policy", help="a policy name or file (repeatable); default: all bundled"),
    ] = None,
    in_force: Annotated[
        str | None,
        typer.Option(help="the policy in force; default: wcso-practice, else the first given"),
    ] = None,
    role: Annotated[Role, typer.Option(help="the role you act in")] = Role.SUPERVISOR,
) -> None:
    """Record saved responses as searches with leads and every policy's verdict.

    Each file lands whole or not at all; a file already imported (same SHA-256) is not
    recorded again; a file that cannot be used is named and skipped (exit status 1).
    """
    from rich.console import Console
    from rich.table import Table

    from leadreview.cli.context import application
    from leadreview.policy.loader import load_bundled_policies, load_policies
    from leadreview.workflow.import_responses import import_responses, summary_rows
    from leadreview.workflow.policy_set import DEFAULT_POLICY, PolicySet

    who = application().principal(role).actor
    loaded = load_policies(policy) if policy else load_bundled_policies()
    names = [p.name for p in loaded]
    chosen = in_force or (DEFAULT_POLICY if DEFAULT_POLICY in names else names[0])
    policies = PolicySet.of(loaded, chosen, chosen=bool(policy) or in_force is not None)
    store = application().store()
    try:
        report = import_responses(application().workflow_context(), who, policies, path)
    finally:
        store.dispose()

    table = Table(title=f"Import of {path}")
    for column in ("file", "status", "detail"):
        table.add_column(column)
    for row in summary_rows(report):
        table.add_row(*row)
    console = Console()
    console.print(table)
    console.print(
        f"{len(report.imported)} imported, {len(report.already)} already imported, "
        f"{len(report.skipped)} skipped"
    )
    if not report.ok:
        skipped = ", ".join(s.name for s in report.skipped)
        raise SkippedFilesError(f"{len(report.skipped)} file(s) skipped: {skipped}")


def register(app: typer.Typer) -> None:
    # A command of the `audit` group, which `audit_cmd` adds to the app.
    from leadreview.cli.groups import audit_app

    audit_app.command("import-responses")(import_responses_command)
