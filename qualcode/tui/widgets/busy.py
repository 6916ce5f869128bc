"""A status line for work running off the UI thread: what is being done, and for how long once over a second."""

from __future__ import annotations

import time
from typing import Any, Protocol

from rich.text import Text
from textual.timer import Timer

AFTER = 1.0  # seconds before the elapsed time is shown (tests set it to 0)


class _Updatable(Protocol):
    def update(self, content: Any = ..., *, layout: bool = ...) -> None: ...

    def set_interval(self, interval: float, callback: Any) -> Timer: ...


class Ticker:
    """Shows `text` on a Label or Static at once, then, while the work goes on, the seconds elapsed after it
    ("Searching… 3 s") so a long search, import or merge visibly keeps going; `stop` ends the count (the
    caller then shows the result)."""

    def __init__(self, target: _Updatable) -> None:
        self.target = target
        self.text: Text = Text("")
        self.started = 0.0
        self.timer: Timer | None = None

    @property
    def running(self) -> bool:
        return self.timer is not None

    def start(self, text: str | Text) -> None:
        self.stop()
        self.text = Text(text, style="dim") if isinstance(text, str) else text
        self.started = time.monotonic()
        self.target.update(self.text)
        self.timer = self.target.set_interval(0.5, self.tick)
        if AFTER <= 0:
            self.tick()

    def tick(self) -> None:
        seconds = time.monotonic() - self.started
        if self.timer is not None and seconds >= AFTER:
            self.target.update(Text.assemble(self.text, (f" {int(seconds)} s", "dim")))

    def stop(self) -> None:
        if self.timer is not None:
            self.timer.stop()
            self.timer = None
