"""Every key the help screen lists has a Pilot test that presses it (registered with tests.tui.keys.covers)."""

from __future__ import annotations

import importlib
from pathlib import Path

from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.help import help_keys, help_screens
from tests.tui.helpers import SIZE

from .keys import TESTED, covers


def listed_keys() -> set[tuple[str, str]]:
    return {
        (screen.__name__, name)
        for _, screen in help_screens()
        for names, _, _ in help_keys(screen)
        for name in names
    }


def test_every_key_in_the_help_screen_has_a_test():
    for module in sorted(Path(__file__).parent.glob("test_*.py")):
        importlib.import_module(f"tests.tui.{module.stem}")  # registers their @covers keys
    listed = listed_keys()
    assert ("Workbench", "f") in listed and ("ReviewScreen", "w") in listed and ("Workbench", "9") in listed
    untested = sorted(listed - TESTED)
    assert not untested, f"keys listed in the help screen with no test: {untested}"


@covers("question_mark")
@covers("escape", "q", "question_mark", screen="HelpScreen")
async def test_help_shows_every_screen_and_closes_with_each_of_its_keys(demo_copy):
    app = QualcodeApp(demo_copy, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        for close in ("escape", "q", "question_mark"):
            await pilot.press("question_mark")
            await pilot.pause()
            assert type(app.screen).__name__ == "HelpScreen"
            shown = " ".join(
                str(cell)
                for table in app.screen.query_one("Static").content.renderables
                for col in table.columns
                for cell in col._cells
            )
            for _, screen in help_screens():
                for _, key, what in help_keys(screen):
                    assert key in shown and what in shown
            await pilot.press(close)
            await pilot.pause()
            assert type(app.screen).__name__ == "Workbench"
