"""A progress bar on the terminal for work that turns out to take more than a second, and nothing otherwise."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

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


@contextlib.contextmanager
def working(console: Console, what: str, after: float = 1.0) -> Iterator[None]:
    """For work that cannot count its steps (a report, an agreement table): a spinner with `what` and the
    seconds elapsed appears on `console` (if it is a terminal) once `after` seconds have passed, and goes
    when the work ends. Nothing is shown for quicker work, or when the output is not a terminal."""
    if not console.is_terminal:
        yield
        return
    status = Progress(SpinnerColumn(), TextColumn(what), TimeElapsedColumn(), console=console, transient=True)
    status.add_task(what, total=None)
    lock = threading.Lock()
    state = {"done": False, "shown": False}

    def show() -> None:
        with lock:  # never after the work has ended
            if not state["done"]:
                status.start()
                state["shown"] = True

    timer = threading.Timer(after, show)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            state["done"] = True
            timer.cancel()
            if state["shown"]:
                status.stop()
