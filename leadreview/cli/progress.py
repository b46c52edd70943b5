"""Progress bars for long work, on stderr so that stdout stays clean for --json."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console

# Small galleries generate in well under a second; a bar would only flicker.
_BAR_FROM_FACES = 200_000


@contextmanager
def gallery_progress(console: Console, faces: int) -> Iterator[Callable[[int, int], None] | None]:
    if faces < _BAR_FROM_FACES:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task("generating gallery", total=faces)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance
