"""Progress on the terminal (stderr) for work that turns out to take more than a second, and nothing otherwise."""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from rich.console import Console, RenderableType
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
)
from rich.text import Text

T = TypeVar("T")
# (what is being done, how many done, of how many: None when the total is not known)
Report = Callable[[str, int, "int | None"], None]
AFTER = 1.0  # seconds of work before anything is shown
EVERY = 500  # `counted` reports once per this many items


class _Bar(ProgressColumn):
    """A bar only when the total is known; a count alone otherwise (no pulsing bar pretending to measure)."""

    def __init__(self) -> None:
        super().__init__()
        self.bar = BarColumn()

    def render(self, task: Task) -> RenderableType:
        return Text("") if task.total is None else self.bar.render(task)


class _Count(ProgressColumn):
    def render(self, task: Task) -> Text:
        if not task.fields.get("counted") or (task.total is None and not task.completed):
            return Text("")  # a stage with nothing to count yet
        done = int(task.completed)
        return Text(f"{done:,}" if task.total is None else f"{done:,}/{int(task.total):,}", style="cyan")


class _Elapsed(ProgressColumn):
    """The time since the work began (not since the line appeared, a second later)."""

    def render(self, task: Task) -> Text:
        seconds = int(time.monotonic() - task.fields["since"])
        return Text(
            f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}", style="progress.elapsed"
        )


def _stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def stdout_is_terminal() -> bool:
    """Whether a command's output goes to the terminal the progress line is drawn on (then it is printed
    after the line has gone) or elsewhere (a file, a pipe: it can be written while the line stays)."""
    return _stdout_is_terminal()


class _Display:
    """One line on `console`: a spinner, what is being done, a bar and count once there is one, the seconds
    elapsed. Started by a timer after `after` seconds (or by the first report after that), stopped at the end;
    never started when the console is not a terminal."""

    def __init__(self, console: Console, what: str, after: float, enabled: bool) -> None:
        self.console, self.after, self.enabled = console, after, enabled
        self.started = time.monotonic()
        self.lock = threading.Lock()
        self.what, self.done, self.counted = what, 0, False
        self.total: int | None = None
        self.progress: Progress | None = None
        self.task: object = None
        self.shown_what = what
        self.finished = False
        self.timer: threading.Timer | None = None
        if enabled:
            if after <= 0:  # shown at once (tests): no race with a timer thread
                self._show()
            else:
                self.timer = threading.Timer(after, self._show)
                self.timer.daemon = True
                self.timer.start()

    def _show(self) -> None:
        with self.lock:
            self._show_locked()

    def _show_locked(self) -> None:
        if self.finished or self.progress is not None:
            return
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            _Bar(),
            _Count(),
            _Elapsed(),
            console=self.console,
            transient=True,
            refresh_per_second=4,
            # Never touch sys.stdout: a command streaming its output there (`codings export > out.csv`) must
            # write exactly the bytes it writes without a progress display.
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self._add_task()
        self.progress.start()

    def _add_task(self) -> None:
        assert self.progress is not None
        self.shown_what = self.what
        self.task = self.progress.add_task(
            self.what, total=self.total, completed=self.done, counted=self.counted, since=self.started
        )

    def report(self, what: str, done: int, total: int | None = None) -> None:
        if not self.enabled:
            return
        with self.lock:
            self.what, self.done, self.total, self.counted = what, done, total, True
            if self.progress is None:
                if time.monotonic() - self.started < self.after:
                    return
                self._show_locked()
            if self.progress is not None:
                if (
                    what != self.shown_what
                ):  # a new stage: a fresh line (rich cannot set a total back to None)
                    self.progress.remove_task(self.task)  # type: ignore[arg-type]
                    self._add_task()
                else:
                    self.progress.update(self.task, completed=done, total=total)  # type: ignore[arg-type]

    def stop(self) -> None:
        with self.lock:
            self.finished = True
            if self.timer is not None:
                self.timer.cancel()
            if self.progress is not None:
                self.progress.stop()


@contextlib.contextmanager
def working(
    console: Console, what: str, after: float | None = None, *, streaming: bool = False
) -> Iterator[Report]:
    """Progress for work that may take a while: once `after` seconds (AFTER by default) have passed, a spinner
    with `what` and the seconds elapsed appears on `console` (only if it is a terminal), with a bar and a count
    when the work reports them through the callback this yields. It goes when the work ends; quicker work
    shows nothing at all. `streaming`: the command writes its output to stdout as it goes, so nothing is
    shown when stdout is the same terminal (the output itself is the progress there)."""
    enabled = console.is_terminal and not (streaming and _stdout_is_terminal())
    display = _Display(console, what, AFTER if after is None else after, enabled)
    try:
        yield display.report
    finally:
        display.stop()


@contextlib.contextmanager
def progress_bar(console: Console, after: float | None = None, what: str = "Working") -> Iterator[Report]:
    """A callback to report progress with (what is being done, how many done, of how many); see `working`."""
    with working(console, what, after) as report:
        yield report


def counted(
    items: Iterable[T],
    report: Report | None,
    what: str,
    total: int | None = None,
    every: int = EVERY,
    key: Callable[[T], object] | None = None,
) -> Iterator[T]:
    """The items, reporting how many have gone by every `every` items (and at the end); with `key`, items in a
    run of the same key count as one (a coding exported as one row per claim link is one coding)."""
    if report is None:
        yield from items
        return
    done: int = 0
    last: object = object()
    report(what, 0, total)
    for item in items:
        yield item
        if key is not None:
            current = key(item)
            if current == last:
                continue
            last = current
        done += 1
        if done % every == 0:
            report(what, done, total)
    report(what, done, total)
