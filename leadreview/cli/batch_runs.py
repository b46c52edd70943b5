"""The batch runs behind `compare`, `sweep` and `report compare|sweep`, with a progress
bar, and how their output is written: one place, so that a command and its report cannot
compute different things."""

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from leadreview.analysis.compare_models import Comparison
    from leadreview.analysis.disparity import DisparityRules
    from leadreview.analysis.sweep import Sweep
    from leadreview.runs.comparison import BatchRequest


def disparity_rules(reference: str, min_group_size: int, parity_band: bool) -> "DisparityRules":
    from leadreview.analysis.disparity import AEQUITAS_BAND, DisparityRules

    return DisparityRules(
        reference=reference, min_units=min_group_size, band=AEQUITAS_BAND if parity_band else None
    )


def run_comparison(
    request: "BatchRequest",
    *,
    reviewer_profile: list[str] | None,
    record: bool = False,
    rules: "DisparityRules | None" = None,
) -> "Comparison":
    """`runs.comparison.run_comparison` with a progress bar; with `record`, on the
    application's store, as the acting principal (an analyst)."""
    from leadreview.cli.progress import with_progress
    from leadreview.runs import comparison

    _reach_scheduler(request)
    record_to = None
    if record:
        from rich.console import Console

        from leadreview.cli.context import application
        from leadreview.domain.roles import Role

        app = application()
        # The recorder acts as an analyst, and as a facilitator for the simulated reviewers.
        who = app.principal(Role.ANALYST).name
        record_to = comparison.RecordTo(app.store(), who, Console(stderr=True))
    return comparison.run_comparison(
        request,
        reviewer_profile=reviewer_profile,
        progress=with_progress,
        record_to=record_to,
        rules=rules,
    )


def run_sweep(request: "BatchRequest", *, step: float, max_candidates: int | None) -> "Sweep":
    """`runs.comparison.run_sweep` with a progress bar."""
    from leadreview.cli.progress import with_progress
    from leadreview.runs import comparison

    _reach_scheduler(request)
    return comparison.run_sweep(
        request, step=step, max_candidates=max_candidates, progress=with_progress
    )


def _reach_scheduler(request: "BatchRequest") -> None:
    if request.cluster is not None:
        from leadreview.cli.waiting import require_scheduler

        require_scheduler(request.cluster)


def emit(text: str, output: Path | None) -> None:
    """Print, or write a file whole (never half-written: a temporary file, then rename)."""
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    from leadreview.io.atomic import write_atomically

    write_atomically(output, text)
