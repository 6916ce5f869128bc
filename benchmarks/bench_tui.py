"""Workbench speed on the generated 100,000-segment corpus: time to first document, key press to saved coding,
time for each dialog to open, and time from q to the end of the process (idle, and while the suggester fits).

Latency is measured inside the app, from the moment the key's action starts to the moment the next screen
refresh has been drawn (Textual's call_after_refresh), so it includes the SQLite write, the re-query and the
re-render, but not the test harness's own idle-waiting (printed separately for reference).

    python -m benchmarks.bench_tui [--documents 1000] [--turns 100] [--presses 200] [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from textual.widgets import OptionList, Select

from benchmarks.bench_codings import add_codings
from benchmarks.bench_survey import write_survey
from benchmarks.corpus import write_corpus
from benchmarks.latency import KeyProbe, summary
from qualcode.app.actions import import_codebook_file, import_files
from qualcode.ingest import ImportOptions
from qualcode.ingest.survey_spec import load_spec
from qualcode.store.project import Project
from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.search import SearchScreen
from qualcode.tui.screens.workbench import Workbench
from qualcode.tui.widgets.codebook_tree import CodebookTree
from qualcode.tui.widgets.transcript import TranscriptView

ROOT = Path(__file__).resolve().parent.parent


def build(folder: Path, documents: int, turns: int) -> Path:
    path = folder / "bench.qcdb"
    project = Project.create(path, coder="bench")
    import_codebook_file(project, ROOT / "codebooks" / "pdu-evaluation.yaml")
    import_files(
        project, write_corpus(folder / "corpus", documents, turns), ImportOptions(source_type="interview")
    )
    project.close()
    return path


def build_survey(folder: Path, answers: int) -> Path:
    """One survey whose open questions hold about `answers` answers (one segment each, in one document), a fifth
    of them coded by two other coders (benchmarks.bench_scale's shape), with the PDU codebook to code with."""
    path = folder / "survey.qcdb"
    csv_path, spec_path = write_survey(folder, round(answers / 1.34))  # 2 open questions, each 2/3 answered
    with Project.create(path, coder="bench") as project:
        import_codebook_file(project, ROOT / "codebooks" / "pdu-evaluation.yaml")
        import_files(project, [csv_path], ImportOptions(spec=load_spec(spec_path), max_bytes=1 << 30))
    add_codings(path, 0.2)
    return path


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


DIALOG_KEYS = ["c", "e", "m", "slash", "f", "E", "question_mark", "S", "D", "R", "b", "s", "A", "L", "O", "I"]
PROBE = KeyProbe().install(QualcodeApp)


async def press(pilot: Any, *keys: str) -> None:
    """Press keys one at a time, letting the app go idle after each, so every key is measured on its own."""
    for key in keys:
        await pilot.press(key)
        await pilot.pause()


async def back_to_workbench(app: QualcodeApp, pilot: Any) -> None:
    await app.workers.wait_for_complete()
    while len(app.screen_stack) > 2:
        app.pop_screen()
        await pilot.pause()


def cpu_note() -> str:
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"


async def measure_dialogs(path: Path, repeat: int) -> None:
    app = QualcodeApp(path, coder="bench", remember=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("n", "c", *"joint", "enter")  # a coding to attach a contribution to
        await pilot.pause(1.0)
        # measured with the suggester fitted: while spaCy loads in its thread it takes the GIL from the screen
        await asyncio.get_running_loop().run_in_executor(None, app.screen.fit_done.wait, 120)
        for key in DIALOG_KEYS:  # warm: the first opening imports the screen's module and parses its CSS
            await press(pilot, key)
            await back_to_workbench(app, pilot)
        PROBE.reset()
        for _ in range(repeat):
            for key in DIALOG_KEYS:
                await press(pilot, key)
                await back_to_workbench(app, pilot)
    got = PROBE.by_key("Workbench")
    print(f"dialogs: key to the dialog's first frame (target < 100 ms); {cpu_note()}")
    for key in DIALOG_KEYS:
        print("  " + summary(f"open {key!r}", got.get(key, [])))


QUIT_SCRIPT = QUIT_SCRIPT = """
import sys, time
from pathlib import Path
from qualcode.tui.app import QualcodeApp
QualcodeApp.EXIT_PROCESS_AFTER_RUN = True  # as in a terminal (headless runs otherwise return to the caller)
app = QualcodeApp(Path(sys.argv[1]), coder="bench", remember=False)
def quit_now():
    Path(sys.argv[3]).write_text(repr(time.time()))
    app.screen.action_quit()
def start():
    if sys.argv[2] == "fitting":
        app.screen.train_suggester()
        app.set_timer(0.2, quit_now)
    else:
        app.screen.fit_done.wait(120)
        app.set_timer(0.5, quit_now)
app.call_later(lambda: app.set_timer(1.0, start))
app.run(headless=True, size=(120, 40))
"""


def measure_quit(path: Path, state: str, repeat: int) -> None:
    """q to the end of the process, as a user sees it (a real `app.run()`, headless, in a child process)."""
    times = []
    for _ in range(repeat):
        mark = path.parent / "quit-at.txt"
        subprocess.run(
            [sys.executable, "-c", QUIT_SCRIPT, str(path), state, str(mark)],
            check=True,
            cwd=ROOT,
            env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
        )
        times.append(time.time() - float(mark.read_text()))
    report(f"q to process exit, suggester {state}", times, "(target < 500 ms)")


def report(label: str, values: list[float], targets: str = "") -> None:
    ms = [v * 1000 for v in values]
    print(
        f"{label}, n={len(ms)}: median {statistics.median(ms):.1f} ms, p95 {pct(ms, 0.95):.1f} ms {targets}"
    )


async def measure(path: Path, presses: int) -> None:
    first: list[float] = []
    t0 = time.perf_counter()
    app = QualcodeApp(path, coder="bench", remember=False)
    display = QualcodeApp._display

    def first_frame(self: QualcodeApp, screen: Any, renderable: Any) -> None:
        display(self, screen, renderable)
        if not first and isinstance(screen, Workbench) and renderable is not None:
            first.append(time.perf_counter() - t0)

    app._display = first_frame.__get__(app)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(TranscriptView)
        assert view.rows and first, "no segments shown"
        print(
            f"start the app, open the project and draw the first document: {first[0] * 1000:.0f} ms"
            f" (target < 1000 ms) — {view.total} segments in it, {len(view.rows)} rows loaded"
        )
        await pilot.press("c", *"signp", "enter")
        tree = app.screen.query_one(CodebookTree)
        tree.move_cursor(tree.nodes["org.signposting"])
        if app.screen.quick[0] != "org.signposting":  # pin it to quick key 1 (a kept project has it)
            await pilot.press("p")
        await pilot.pause()
        PROBE.reset()
        for i in range(presses):
            await press(pilot, "n")  # next uncoded participant segment, across documents
            seg, code = view.current, app.screen.quick[0]
            await press(pilot, "1")
            assert any(c["code"] == code for c in view.current["codings"]), "chip not shown"
            assert (
                app.project is not None
                and app.project.scalar("SELECT count(*) FROM codings WHERE segment_id = ?", (seg["id"],)) == 1
            ), "not saved"
            await press(pilot, "j", "k")
            if i % 10 == 0:
                await press(pilot, "n", "c", *"joint", "enter")
    got = PROBE.by_key()
    picker = got["enter"]
    got = PROBE.by_key("Workbench")
    print(f"coding keys: key to the first frame showing its effect; {cpu_note()}")
    print("  " + summary("'1' quick code (saved and drawn)", got["1"], "(targets < 50 / < 100 ms)"))
    print("  " + summary("'n' next uncoded", got["n"]))
    print("  " + summary("'j' next segment", got["j"]))
    print("  " + summary("Enter in the code picker (saved and drawn)", picker))


async def measure_survey(path: Path, presses: int) -> None:
    """Issue 17: every key under 100 ms on a 50,000-answer survey (one document)."""
    first: list[float] = []
    t0, c0 = time.perf_counter(), time.process_time()
    app = QualcodeApp(path, coder="bench", remember=False)
    display = QualcodeApp._display

    def first_frame(self: QualcodeApp, screen: Any, renderable: Any) -> None:
        display(self, screen, renderable)
        if not first and isinstance(screen, Workbench) and renderable is not None:
            first.extend([time.perf_counter() - t0, time.process_time() - c0])

    app._display = first_frame.__get__(app)  # type: ignore[method-assign]
    hits_at: list[float] = []  # when each search's hits were listed (the search runs in a worker)
    show_hits = SearchScreen.show_hits

    def timed_hits(self: SearchScreen, hits: Any) -> None:
        show_hits(self, hits)
        hits_at.append(time.perf_counter())

    SearchScreen.show_hits = timed_hits  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(TranscriptView)
        assert view.rows and first, "no segments shown"
        print(
            f"survey: start the app, open the project and draw the first screen: {first[0] * 1000:.0f} ms,"
            f" CPU {first[1] * 1000:.0f} ms — {view.total} answers in the document, {len(view.rows)} rows loaded"
        )
        await asyncio.get_running_loop().run_in_executor(None, app.screen.fit_done.wait, 120)
        await pilot.pause()
        tree = app.screen.query_one(CodebookTree)
        tree.move_cursor(tree.nodes["org.signposting"])
        if app.screen.quick[0] != "org.signposting":  # a kept project may have it pinned already
            await press(pilot, "p")
        PROBE.reset()
        for i in range(presses):
            await press(pilot, "n")
            before = view.current
            await press(pilot, "1")
            assert view.current is not None and view.current["id"] == before["id"]
            assert any(c["code"] == "org.signposting" for c in view.current["codings"]), "chip not shown"
            await press(pilot, "j", "k")
            if i % 5 == 0:
                await press(pilot, "f")
                app.screen.query_one("#coded", Select).value = "uncoded" if i % 10 else "mine"
                await press(pilot, "ctrl+s")
                assert view.total < 50_000, "filter not applied"
                await press(pilot, "j", "F")
                await press(pilot, "slash", *"trust", "enter")
                await app.workers.wait_for_complete()
                await pilot.pause()
                assert app.screen.query_one("#results", OptionList).option_count, "no hits"
                await press(pilot, "down", "enter")  # jump to the first hit
                assert isinstance(app.screen, Workbench)
        got = PROBE.by_key("Workbench")
        searched = PROBE.by_key("SearchScreen")
        filtered = PROBE.by_key("FilterDialog")
    print(f"survey keys: key to the first frame showing its effect (target < 100 ms); {cpu_note()}")
    for label, samples in [
        ("'n' next uncoded", got["n"]),
        ("'1' quick code", got["1"]),
        ("'j' next answer", got["j"]),
        ("'f' open the filter", got["f"]),
        ("Ctrl+S apply a filter (uncoded / coded by me)", filtered["ctrl+s"]),
        ("'F' clear the filter", got["F"]),
        ("'/' open search", got["slash"]),
        ("a letter typed in the search box", [s for k in "trus" for s in searched.get(k, [])]),
        ("Enter: search starts (the frame saying Searching…)", searched["enter"][::2]),
        ("Enter on a hit: jump to it", searched["enter"][1::2]),
    ]:
        print("  " + summary(label, samples))
    waits = sorted((at - s.t0) * 1000 for at, s in zip(hits_at, searched["enter"][::2], strict=False))
    if waits:
        print(
            f"  Enter to the hits listed (query in a worker thread, the screen free meanwhile), n={len(waits)}:"
            f" median {statistics.median(waits):.1f} ms, max {waits[-1]:.1f} ms"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--documents", type=int, default=1000)
    ap.add_argument("--turns", type=int, default=100)
    ap.add_argument("--presses", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=5, help="times each dialog is opened, and the app quit")
    ap.add_argument("--answers", type=int, default=50_000, help="answers in the survey (0: skip it)")
    ap.add_argument(
        "--only", choices=["keys", "dialogs", "quit", "survey"], action="append", help="run only these parts"
    )
    ap.add_argument(
        "--keep", type=Path, help="build the projects in this folder and keep them (reused if there)"
    )
    args = ap.parse_args()
    parts = set(args.only or ["keys", "dialogs", "quit", "survey"])
    print(f"{cpu_note()}; wall times are inflated on a shared machine, CPU times (this process) are not")
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        if parts - {"survey"}:
            path = folder / "bench.qcdb"
            if not path.exists():
                path = build(folder, args.documents, args.turns)
            print(f"project: {args.documents * args.turns} segments, {path.stat().st_size / 1e6:.0f} MB")
            if "keys" in parts:
                asyncio.run(measure(path, args.presses))
            if "dialogs" in parts:
                asyncio.run(measure_dialogs(path, args.repeat))
            if "quit" in parts:
                for state in ("idle", "fitting"):
                    measure_quit(path, state, args.repeat)
        if "survey" in parts and args.answers:
            survey = folder / "survey.qcdb"
            if not survey.exists():
                survey = build_survey(folder, args.answers)
            asyncio.run(measure_survey(survey, max(10, args.presses // 4)))


if __name__ == "__main__":
    main()
