"""A progress bar on the terminal for work that turns out to take more than a second, and nothing otherwise."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

Report = Callable[[str, int, int], None]  # (what is being done, how many done, of how many)


@contextlib.contextmanager
def progress_bar(console: Console, after: float = 1.0) -> Iterator[Report]:
    """A callback to report progress with: the bar appears on `console` (if it is a terminal) once `after`
    seconds have passed, one line per stage, and goes when the work ends."""
    started = time.monotonic()
    bar: Progress | None = None
    tasks: dict[str, TaskID] = {}

    def report(what: str, done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            if not console.is_terminal or time.monotonic() - started < after:
                return
            bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            bar.start()
        if what not in tasks:
            tasks[what] = bar.add_task(what, total=total)
        bar.update(tasks[what], completed=done, total=total)

    try:
        yield report
    finally:
        if bar is not None:
            bar.stop()
