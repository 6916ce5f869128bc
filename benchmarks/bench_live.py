"""What watching for others' work costs while the workbench sits idle: CPU seconds per minute for the poll of a
project file (PRAGMA data_version), for the listener thread of a server study, and for a whole idle workbench
with and without live updates.

    python -m benchmarks.bench_live [--seconds 60] [--repeats 3]

Starts a throwaway PostgreSQL server (tests/pg_server.py) for the server part. CPU is this process's (the
server's own is not counted; an idle LISTEN connection sends it nothing). Medians of --repeats runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any


def _median(values: list[float]) -> float:
    return statistics.median(values)


def file_poll_cost(path: Path, calls: int = 20_000) -> float:
    """CPU seconds of one data_version poll."""
    from qualcode.store.live import file_mark
    from qualcode.store.project import Project

    with Project.open(path) as p:
        start = time.process_time()
        for _ in range(calls):
            file_mark(p)
        return (time.process_time() - start) / calls


def listener_cpu(url: str, seconds: float, interval: float) -> float:
    """CPU seconds the listener thread uses over `seconds` while nobody writes."""
    from qualcode.store.live import listen_for_changes

    stop = threading.Event()
    used: list[float] = []

    def body() -> None:
        start = time.thread_time()
        listen_for_changes(url, lambda: None, stop, interval)
        used.append(time.thread_time() - start)

    thread = threading.Thread(target=body)
    thread.start()
    time.sleep(seconds)
    stop.set()
    thread.join()
    return used[0]


def idle_workbench_cpu(location: Any, seconds: float, live: bool) -> float:
    """CPU seconds of this process while a headless workbench sits idle for `seconds` (after it settles)."""
    from qualcode.tui.app import QualcodeApp
    from qualcode.tui.screens.workbench import Workbench

    saved = Workbench.start_live
    if not live:
        Workbench.start_live = lambda self: None  # type: ignore[method-assign]
    try:
        app = QualcodeApp(location, coder="idle", remember=False)
        app.EXIT_PROCESS_AFTER_RUN = False

        async def body() -> float:
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.pause(1.0)
                screen = next(s for s in app.screen_stack if isinstance(s, Workbench))
                while screen.suggester is None or screen.fitting:  # the suggester loads and fits first
                    await pilot.pause(0.5)
                await pilot.pause(2.0)
                start = time.process_time()
                await pilot.pause(seconds)
                return time.process_time() - start

        return asyncio.run(body())
    finally:
        Workbench.start_live = saved  # type: ignore[method-assign]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--interval", type=float, default=2.0)
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from qualcode.app.demo import build_demo
    from qualcode.store.transfer import push
    from tests.pg_server import LocalServer, find_bin

    per_minute = 60 / args.seconds
    out: dict[str, Any] = {"interval_s": args.interval, "idle_s": args.seconds, "repeats": args.repeats}
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo.qcdb"
        build_demo(demo)
        one = _median([file_poll_cost(demo) for _ in range(args.repeats)])
        out["file_poll_us_each"] = round(one * 1e6, 2)
        out["file_poll_cpu_ms_per_minute"] = round(one * 60 / args.interval * 1000, 3)
        bindir = find_bin()
        server = LocalServer(bindir) if bindir else None
        try:
            url = None
            if server is not None:
                server.start()
                url = server.new_database()
                push(demo, url)
                used = [listener_cpu(url, args.seconds, args.interval) for _ in range(args.repeats)]
                out["listener_cpu_ms_per_minute"] = round(_median(used) * per_minute * 1000, 2)
            for name, location in (("file", demo), ("server", url)):
                if location is None:
                    continue
                on = [idle_workbench_cpu(location, args.seconds, True) for _ in range(args.repeats)]
                off = [idle_workbench_cpu(location, args.seconds, False) for _ in range(args.repeats)]
                out[f"workbench_{name}_cpu_s_per_minute"] = {
                    "live": round(_median(on) * per_minute, 3),
                    "without": round(_median(off) * per_minute, 3),
                }
        finally:
            if server is not None:
                server.stop()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
