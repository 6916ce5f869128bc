"""The import dialog (I): the dry-run preview first, then the import on Ctrl+S, and the documents list follows."""

from __future__ import annotations

import io

from rich.console import Console
from textual.widgets import Input

from qualcode.tui.app import QualcodeApp
from qualcode.tui.widgets.panels import DocumentList
from tests.tui.helpers import SIZE, ready, rows

from .keys import covers


def text_of(renderable) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


TRANSCRIPT = """Interviewer: How did you hear about the Unit?
Priya: A colleague forwarded the newsletter, and I went to the next network meeting.
Interviewer: What changed for you?
Priya: I ring people before sending a warning letter now.
"""


@covers("I")
async def test_import_dialog_previews_then_imports(demo_location, tmp_path):
    source = tmp_path / "int09-priya.txt"
    source.write_text(TRANSCRIPT, encoding="utf-8")
    before = rows(demo_location, "SELECT count(*) AS n FROM documents")[0]["n"]
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("I")
        await pilot.pause()
        assert type(app.screen).__name__ == "ImportDialog"
        await pilot.press("ctrl+s")  # nothing previewed: nothing imported
        await pilot.pause()
        app.screen.query_one("#path", Input).value = str(source)
        await pilot.press("enter")
        await ready(pilot)
        shown = text_of(app.screen.shown)
        assert "int09-priya" in shown and "4 segment(s)" in shown and "Dry run: nothing was stored" in shown
        assert "I ring people before sending a warning letter now." in shown  # whole first turns
        assert rows(demo_location, "SELECT count(*) AS n FROM documents")[0]["n"] == before
        await pilot.press("ctrl+s")
        await ready(pilot)
        assert type(app.screen).__name__ == "Workbench"
        docs = rows(demo_location, "SELECT name FROM documents ORDER BY id")
        assert len(docs) == before + 1 and docs[-1]["name"] == "int09-priya"
        listing = app.screen.query_one(DocumentList)
        assert listing.option_count == before + 1


async def test_import_dialog_reports_a_missing_file_and_stores_nothing(demo_location, tmp_path):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("I")
        await pilot.pause()
        app.screen.query_one("#path", Input).value = str(tmp_path / "nowhere.txt")
        await pilot.press("enter")
        await ready(pilot)
        assert "Cannot import" in text_of(app.screen.shown)
        assert app.screen.query_one("#import-button").disabled
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "Workbench"
