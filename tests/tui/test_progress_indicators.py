"""Slow work in the workbench (search, import, export, merging codes, the suggester's first fit) runs off the UI
thread and says so with the seconds elapsed while it runs; the line goes when the work ends."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from textual.widgets import Input, Label, LoadingIndicator, Static

from qualcode.tui.app import QualcodeApp
from qualcode.tui.widgets import busy
from tests.tui.helpers import SIZE, ready, rows


def plain(widget: Any) -> str:
    return str(widget.render())


class Gate:
    """Wraps a function so that it waits, in its worker thread, until the test opens the gate."""

    def __init__(self, function: Any) -> None:
        self.function, self.entered, self.opened = function, threading.Event(), threading.Event()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.entered.set()
        assert self.opened.wait(30)
        return self.function(*args, **kwargs)

    async def wait_entered(self) -> None:
        assert await asyncio.get_running_loop().run_in_executor(None, self.entered.wait, 30)


@pytest.fixture(autouse=True)
def elapsed_at_once(monkeypatch):
    monkeypatch.setattr(busy, "AFTER", 0.0)  # the seconds are shown from the start (0 s)


async def test_search_says_searching_with_the_seconds_until_the_hits_come(demo_copy, monkeypatch):
    from qualcode.tui.screens import search

    gate = Gate(search.search_segments)
    monkeypatch.setattr(search, "search_segments", gate)
    app = QualcodeApp(demo_copy, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("slash", *"housing", "enter")
        await gate.wait_entered()
        await pilot.pause(0.6)  # a tick of the timer
        count = app.screen.query_one("#count", Label)
        assert plain(count).startswith("Searching… ") and plain(count).endswith(" s")
        await pilot.press("escape")  # the screen answers while the search runs
        await pilot.pause()
        assert type(app.screen).__name__ == "Workbench"
        await pilot.press("slash", *"housing", "enter")
        gate.opened.set()
        await app.workers.wait_for_complete()
        await pilot.pause(0.6)
        count = app.screen.query_one("#count", Label)
        assert plain(count).endswith("hit(s)") and " s" not in plain(count).replace("hit(s)", "")


async def test_merging_codes_runs_off_the_ui_thread_with_its_seconds_in_the_title(demo_copy, monkeypatch):
    from qualcode.tui.screens import codebook

    gate = Gate(codebook.merge_codes)
    monkeypatch.setattr(codebook, "merge_codes", gate)
    app = QualcodeApp(demo_copy, coder="lead")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("b", "down")  # practice -> practice.awareness
        await pilot.pause()
        await pilot.press("g", *"practice.knowledge", "enter")
        await gate.wait_entered()
        await pilot.pause(0.6)
        title = app.screen.query_one("#cb-title", Label)
        assert plain(title).startswith("Merging practice.awareness into practice.knowledge… ")
        assert plain(title).endswith(" s")
        await pilot.press("escape")  # refused while the merge runs: the workbench would reload too early
        await pilot.pause()
        assert type(app.screen).__name__ == "CodebookScreen"
        gate.opened.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert plain(app.screen.query_one("#cb-title", Label)) == codebook.TITLE
    keys = {r["key"] for r in rows(demo_copy, "SELECT key FROM codes")}
    assert "practice.awareness" not in keys and "practice.knowledge" in keys


async def test_an_export_shows_its_indicator_and_seconds_until_it_is_written(
    demo_copy, monkeypatch, tmp_path
):
    from qualcode.app import reporting

    gate = Gate(reporting.run_report)
    monkeypatch.setattr(reporting, "run_report", gate)
    app = QualcodeApp(demo_copy, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("E")
        await pilot.pause()
        app.screen.query_one("#output", Input).value = str(tmp_path / "report.html")
        app.screen.action_run()
        await gate.wait_entered()
        await pilot.pause(0.6)
        assert app.screen.query_one("#busy", LoadingIndicator).display
        assert plain(app.screen.query_one("#result", Label)).startswith("Working… ")
        gate.opened.set()
        await app.workers.wait_for_complete()
        await pilot.pause(0.6)
        assert not app.screen.query_one("#busy", LoadingIndicator).display
        assert plain(app.screen.query_one("#result", Label)).startswith("Wrote ")
    assert (tmp_path / "report.html").exists()


async def test_an_import_says_importing_with_the_seconds(demo_copy, monkeypatch, tmp_path):
    from qualcode.app import actions

    source = tmp_path / "int09-priya.txt"
    source.write_text("Interviewer: Hello?\nPriya: I ring people first now.\n", encoding="utf-8")
    gate = Gate(actions.import_files)
    monkeypatch.setattr(actions, "import_files", gate)
    app = QualcodeApp(demo_copy, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("I")
        await pilot.pause()
        app.screen.query_one("#path", Input).value = str(source)
        await pilot.press("enter")
        await ready(pilot)
        await pilot.press("ctrl+s")
        await gate.wait_entered()
        await pilot.pause(0.6)
        shown = plain(app.screen.query_one("#preview", Static))
        assert shown.startswith("Importing… ") and shown.endswith(" s")
        gate.opened.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert type(app.screen).__name__ == "Workbench"
    assert rows(demo_copy, "SELECT name FROM documents ORDER BY id DESC LIMIT 1")[0]["name"] == "int09-priya"


async def test_the_suggesters_first_fit_counts_its_seconds_in_the_panel_title(demo_copy, monkeypatch):
    from qualcode.nlp import suggest

    real = suggest.Suggester.from_project.__func__
    gate = Gate(lambda *a, **k: real(suggest.Suggester, *a, **k))
    monkeypatch.setattr(suggest.Suggester, "from_project", staticmethod(gate))
    app = QualcodeApp(demo_copy, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await gate.wait_entered()
        await pilot.pause(0.6)
        title = plain(app.screen.query_one("#suggestions-title", Label))
        assert title.startswith("Suggestions — learning… ") and title.endswith(" s")
        await pilot.press("j")  # coding goes on meanwhile
        gate.opened.set()
        await ready(pilot)
        assert plain(app.screen.query_one("#suggestions-title", Label)).startswith("Suggestions  a accept")


async def test_codes_needing_help_counts_its_seconds_while_it_cross_validates(demo_copy, monkeypatch):
    from qualcode.app import autocode

    gate = Gate(autocode.codes_needing_help)
    monkeypatch.setattr(autocode, "codes_needing_help", gate)
    app = QualcodeApp(demo_copy, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("b", "h")
        await gate.wait_entered()
        await pilot.pause(0.6)
        shown = plain(app.screen.query_one("#cb-help", Static))
        assert shown.startswith("Cross-validating the suggester on your codings… ") and shown.endswith(" s")
        gate.opened.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = plain(app.screen.query_one("#cb-help", Static))
        assert "Cross-validating" not in shown and ("need help" in shown or "No code needs help" in shown)
