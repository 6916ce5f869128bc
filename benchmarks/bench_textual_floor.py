"""The floor under the workbench's dialog times: how long plain Textual takes to push a small modal (a label, an
input and a 40-item option list) over a screen of text and draw it, on this machine. python -m benchmarks.bench_textual_floor"""

from __future__ import annotations

import asyncio
import statistics
import time

from textual.app import App
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static


class M(ModalScreen):
    def compose(self):
        yield Label("Apply code")
        yield Input()
        yield OptionList(*[f"code {i}" for i in range(40)])


class A(App):
    def compose(self):
        for _ in range(30):
            yield Static("x" * 100)


async def main():
    app = A()
    times = []
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(8):
            t0 = time.perf_counter()
            done = asyncio.Event()
            app.push_screen(M())
            app.call_after_refresh(done.set)
            await done.wait()
            times.append((time.perf_counter() - t0) * 1000)
            app.pop_screen()
            await pilot.pause()
    print(f"modal floor ms: median {statistics.median(times):.1f}, min {min(times):.1f}")


asyncio.run(main())
