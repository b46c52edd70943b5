"""Progress bars for long work, on stderr so that stdout stays clean for --json."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

from rich.console import Console

if TYPE_CHECKING:
    from leadreview.analysis.batch import SearchBatch
    from leadreview.analysis.batch_source import PreparedScenario
    from leadreview.runs.comparison import BatchSource

T = TypeVar("T")

# Small galleries generate in well under a second; a bar would only flicker.
_BAR_FROM_FACES = 200_000


@contextmanager
def gallery_progress(
    console: Console, faces: int, item_bytes: int = 4
) -> Iterator[Callable[[int, int], None] | None]:
    if faces < _BAR_FROM_FACES:
        yield None
        return
    if not console.is_terminal:
        # A log or a pipe gets the estimate as one line, and no bar: rich wrapped the
        # estimate at 80 columns and left the bar's last frame behind, three lines of
        # stderr from a command that succeeded.
        said: list[bool] = []

        def say_once(_done: int, _total: int) -> None:
            if not said:
                from leadreview.simulation.resources import gallery_estimate

                console.print(gallery_estimate(faces, item_bytes=item_bytes), soft_wrap=True)
                said.append(True)

        yield say_once
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )
    task = bar.add_task("generating gallery", total=faces)

    def advance(done: int, total: int) -> None:
        # Shown from the first progress on: work refused before it starts (a gallery that
        # will not fit) leaves only its one-line error, not an empty bar.
        if not bar.live.is_started:
            # Said with the first progress, not before: a gallery refused as too big for
            # memory ends in its one error line only.
            from leadreview.simulation.resources import gallery_estimate

            console.print(gallery_estimate(faces, item_bytes=item_bytes))
            bar.start()
        bar.update(task, completed=done, total=total)

    try:
        yield advance
    finally:
        if bar.live.is_started:
            bar.stop()


def with_progress(
    prepared: "PreparedScenario",
    work: Callable[[Iterator[tuple[int, "SearchBatch"]]], T],
    source: "BatchSource | None" = None,
) -> T:
    """Run `work` over the scenario's batches with a progress bar over seeds (on stderr).

    `source` makes the batches (default: `scenario_batches`, which only searches)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from leadreview.analysis.batch_source import default_workers, scenario_batches
    from leadreview.cli.processes import worker_blas_threads

    cores = default_workers()
    workers = max(1, min(cores, len(prepared.seeds)))
    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(f"{prepared.scenario.name}: searching", total=len(prepared.seeds))

        def batches() -> Iterator[tuple[int, "SearchBatch"]]:
            name = prepared.scenario.name
            items = (
                scenario_batches(prepared)
                if source is None
                else source(prepared, lambda note: progress.update(task, description=note))
            )
            for item in items:
                progress.update(task, description=f"{name}: seed {item[0]}")
                yield item
                progress.advance(task)

        # Workers together use the cores once, not cores x cores BLAS threads.
        with worker_blas_threads(max(1, cores // workers)):
            return work(batches())
