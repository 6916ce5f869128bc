"""Key-to-frame latency as a user sees it: from the moment a key event reaches the app to the moment the first
frame showing its effect has been written to the terminal (Textual's App._display, which also runs headless,
where it skips only the final string rendering and the write; see `frame_cost` for those).

A `KeyProbe` is installed on an App class; it records, for each key, the wall and CPU time (this process's
time.process_time) from the key's arrival in App.on_event until the end of the first _display that follows
the key's handling (and, for keys that open a screen, the first _display of that new screen). The harness
that sends the keys (Pilot, tmux) and its waits are outside the measured interval.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from textual import events
from textual.app import App
from textual.widgets import Input


@dataclass
class Sample:
    key: str
    wall: float
    cpu: float  # this process (all threads: a dialog's worker counts too)
    ui_cpu: float  # the UI thread only (time.thread_time)
    screen: str  # the screen shown in the frame that ended the measurement
    origin: str  # the screen the key was pressed on
    t0: float = 0.0  # perf_counter when the key arrived


@dataclass
class KeyProbe:
    """Install with `KeyProbe.install(AppClass)`; read `samples`; `reset()` between phases."""

    samples: list[Sample] = field(default_factory=list)
    pending: dict[str, Any] | None = None
    frames: int = 0

    def reset(self) -> None:
        self.samples.clear()
        self.pending = None

    def by_key(self, origin: str | None = None) -> dict[str, list[Sample]]:
        """Samples per key, only those pressed on the screen class named `origin` if given."""
        out: dict[str, list[Sample]] = {}
        for s in self.samples:
            if origin is None or s.origin == origin:
                out.setdefault(s.key, []).append(s)
        return out

    def install(self, cls: type[App[Any]]) -> KeyProbe:
        probe = self
        on_event, display, dispatch = cls.on_event, cls._display, cls._dispatch_action

        async def probed_on_event(app: App[Any], event: events.Event) -> None:
            # A key still pending when the next arrives showed no frame of its own (e.g. typed in a dialog that
            # was opening): it is dropped, not merged into the next key's time.
            if isinstance(event, events.Key) and not event.is_forwarded:
                probe.pending = {
                    "key": event.key,
                    "t0": time.perf_counter(),
                    "c0": time.process_time(),
                    "u0": time.thread_time(),
                    "screen": app.screen if app._screen_stack else None,
                    "handled": False,
                }
            await on_event(app, event)

        async def probed_dispatch(app: App[Any], *args: Any, **kwargs: Any) -> bool:
            # A key bound to an action counts from its arrival to the first frame after the action returned
            # (a frame already scheduled before the action ran does not show its effect).
            try:
                return await dispatch(app, *args, **kwargs)
            finally:
                if probe.pending is not None:
                    probe.pending["handled"] = True

        def probed_display(app: App[Any], screen: Any, renderable: Any) -> None:
            display(app, screen, renderable)
            probe.frames += 1
            p = probe.pending
            if p is None or renderable is None or not p["handled"]:
                return
            # The first frame after the key: if the key changed the screen, the first frame of the new one.
            if screen is p["screen"] and app.screen is not p["screen"]:
                return  # a frame of the old screen drawn while the new one is still mounting
            probe.samples.append(
                Sample(
                    p["key"],
                    time.perf_counter() - p["t0"],
                    time.process_time() - p["c0"],
                    time.thread_time() - p["u0"],
                    type(screen).__name__,
                    type(p["screen"]).__name__,
                    p["t0"],
                )
            )
            probe.pending = None

        cls.on_event = probed_on_event  # type: ignore[method-assign]
        cls._display = probed_display  # type: ignore[method-assign]
        cls._dispatch_action = probed_dispatch  # type: ignore[method-assign]
        on_key = Input._on_key

        async def probed_input_key(widget: Input, event: events.Key) -> None:
            # A letter typed into a text box is handled by the box, not by an action.
            await on_key(widget, event)
            if probe.pending is not None:
                probe.pending["handled"] = True

        Input._on_key = probed_input_key  # type: ignore[method-assign]
        return self


def summary(label: str, samples: list[Sample], target: str = "") -> str:
    """One line: n, median and p95 of wall time, median CPU time (process, UI thread), in milliseconds."""
    import statistics

    if not samples:
        return f"{label}: no samples"
    wall = sorted(s.wall * 1000 for s in samples)
    cpu = sorted(s.cpu * 1000 for s in samples)
    ui = sorted(s.ui_cpu * 1000 for s in samples)
    p95 = wall[min(len(wall) - 1, int(0.95 * len(wall)))]
    return (
        f"{label}, n={len(wall)}: median {statistics.median(wall):.1f} ms, p95 {p95:.1f} ms,"
        f" CPU median {statistics.median(cpu):.1f} ms (UI thread {statistics.median(ui):.1f}) {target}".rstrip()
    )
