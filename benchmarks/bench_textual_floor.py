"""The floor under the workbench's dialog times: how long plain Textual takes from a key press to the first
frame of a small modal (a label, an input and a 40-item option list) pushed over a screen of text.

It prints three figures for the same dialog, so what each one measures can be told apart:
- key to first frame (benchmarks.latency.KeyProbe): what a user waits for, Textual's own work;
- the phases inside it: key handled and screen pushed, compose done, mounted, first frame written;
- the old measure (push_screen, then call_after_refresh from the test task), which also counts Textual's
  idle callbacks and the test's wait: it is not a latency a user sees.

    python -m benchmarks.bench_textual_floor [--repeat 20] [--profile]
    python -m benchmarks.bench_textual_floor --terminal   # in a real terminal (tmux) rather than headless
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import time
from typing import Any

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static

from benchmarks.latency import KeyProbe, summary

PHASES: dict[str, list[float]] = {}
T0: list[float] = [0.0]


def phase(name: str) -> None:
    PHASES.setdefault(name, []).append((time.perf_counter() - T0[0]) * 1000)


class M(ModalScreen[None]):
    BINDINGS = [Binding("escape", "app.pop_screen")]

    def compose(self) -> ComposeResult:
        phase("1 compose starts")
        yield Label("Apply code")
        yield Input()
        yield OptionList(*[f"code {i}" for i in range(40)])

    def on_mount(self) -> None:
        phase("2 mounted")


class Opaque(M):
    """The same dialog over an opaque background: Textual then draws only the dialog, not the screen below."""

    DEFAULT_CSS = "Opaque { background: $background; }"


class A(App[None]):
    BINDINGS = [Binding("m", "modal"), Binding("o", "modal(True)")]

    def compose(self) -> ComposeResult:
        for _ in range(30):
            yield Static("x" * 100)

    def action_modal(self, opaque: bool = False) -> None:
        T0[0] = time.perf_counter()
        self.push_screen(Opaque() if opaque else M())

    def _display(self, screen: Any, renderable: Any) -> None:
        super()._display(screen, renderable)
        if (
            isinstance(screen, M)
            and renderable is not None
            and len(PHASES.get("3 first frame", [])) < len(PHASES.get("2 mounted", []))
        ):
            phase("3 first frame")


async def headless(repeat: int, profile: bool) -> None:
    probe = KeyProbe().install(A)
    app = A()
    old: list[float] = []
    prof = cProfile.Profile() if profile else None
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for _ in range(3):  # warm: the first dialog loads widget classes and their CSS
            await pilot.press("m", "escape", "o", "escape")
        probe.reset()
        PHASES.clear()
        for _ in range(repeat):
            if prof:
                prof.enable()
            await pilot.press("m")
            await pilot.pause()
            if prof:
                prof.disable()
            await pilot.press("escape")
            await pilot.pause()
        phases = {k: list(v) for k, v in PHASES.items()}
        for _ in range(repeat):
            await pilot.press("o")
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
        for _ in range(repeat):
            t0 = time.perf_counter()
            done = asyncio.Event()
            app.push_screen(M())
            app.call_after_refresh(done.set)
            await done.wait()
            old.append((time.perf_counter() - t0) * 1000)
            app.pop_screen()
            await pilot.pause()
    keys = probe.by_key()
    print(summary("'m': key to first frame of the modal (headless)", keys.get("m", [])))
    print(summary("'o': the same modal with an opaque background", keys.get("o", [])))
    print(summary("'escape': key to first frame of the screen below", keys.get("escape", [])))
    print("phases of 'm' (translucent):")
    for name in sorted(phases):
        print(f"  {name}: median {statistics.median(phases[name]):.1f} ms after the action started")
    print(f"old measure (push_screen + call_after_refresh): median {statistics.median(old):.1f} ms")
    if prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    asyncio.run(headless(args.repeat, args.profile))


if __name__ == "__main__":
    main()
