"""`leadreview policy list|show|validate`."""

from pathlib import Path
from typing import Annotated

import typer

policy_app = typer.Typer(help="List, show and validate policy files.", no_args_is_help=True)


@policy_app.command("list")
def list_policies() -> None:
    """The bundled policies, with their thresholds and digests."""
    from rich.console import Console
    from rich.table import Table

    from leadreview.policy.loader import load_bundled_policies

    table = Table(title="Bundled policies")
    for column in ("name", "threshold", "max leads", "review", "corroboration", "sha256"):
        table.add_column(column)
    for loaded in load_bundled_policies():
        p = loaded.policy
        table.add_row(
            p.name,
            "none" if p.min_similarity is None else f"{p.min_similarity:g}",
            "all" if p.max_candidates is None else str(p.max_candidates),
            f"{p.reviewers_required} reviewer(s)" if p.human_review_required else "none",
            "required" if p.enforcement_requires_corroboration else "not required",
            loaded.sha256[:12],
        )
    Console().print(table)


@policy_app.command("show")
def show_policy(ref: Annotated[str, typer.Argument(help="a policy name or file")]) -> None:
    """One policy, as loaded and validated, as JSON."""
    from leadreview.policy.loader import load_policies

    loaded = load_policies([ref])[0]
    typer.echo(loaded.model_dump_json(indent=2))


@policy_app.command("validate")
def validate_policies(
    files: Annotated[list[Path], typer.Argument(help="policy files to check")],
) -> None:
    """Check policy files; the first bad one ends in one line naming file, line and field."""
    from leadreview.policy.loader import load_policy_file

    for path in files:
        loaded = load_policy_file(path)
        typer.echo(f"{path}: ok ({loaded.name}, sha256 {loaded.sha256[:12]})")


def register(app: typer.Typer) -> None:
    app.add_typer(policy_app, name="policy")
