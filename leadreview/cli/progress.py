"""Progress bars for long work, on stderr so that stdout stays clean for --json."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console

# Small galleries generate in well under a second; a bar would only flicker.
_BAR_FROM_FACES = 200_000


# Bytes per face besides its embedding: the person columns and the alive flag (ids are
# computed per lead, not stored).
_COLUMN_BYTES = 13


def gallery_estimate(faces: int, dims: int = 128, item_bytes: int = 4) -> str:
    """What a gallery will take, said before it is generated."""
    matrix = faces * dims * item_bytes
    return (
        f"gallery of {faces:,} faces: {matrix / 2**30:.2f} GiB of embeddings "
        f"(in memory, or on disk with --cache-dir) and {faces * _COLUMN_BYTES / 2**30:.2f} GiB "
        "of person columns in memory"
    )


@contextmanager
def gallery_progress(
    console: Console, faces: int, item_bytes: int = 4
) -> Iterator[Callable[[int, int], None] | None]:
    if faces < _BAR_FROM_FACES:
        yield None
        return
    console.print(gallery_estimate(faces, item_bytes=item_bytes))
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
            bar.start()
        bar.update(task, completed=done, total=total)

    try:
        yield advance
    finally:
        if bar.live.is_started:
            bar.stop()
