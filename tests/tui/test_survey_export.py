"""The summary screen's survey figures beside theme prevalence, and the export dialog's newer reports."""

from __future__ import annotations

import io

from rich.console import Console
from textual.widgets import Input, Select

from qualcode.tui.app import QualcodeApp
from tests.tui.helpers import SIZE, ready

from .keys import covers


def text_of(renderable, width: int = 120) -> str:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


@covers("S", screen="SummaryScreen")
async def test_summary_shows_survey_questions_with_their_base(demo_location):
    app = QualcodeApp(demo_location, coder="lead")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("S")
        await ready(pilot)
        survey = text_of(app.screen.survey_view)
        # The demo's first wave: 45 respondents; expectations_met: Yes 29, Partly 14, No 2 (29/45 = 64.4%).
        assert "PDU survey, wave 2024-06: 45 respondents" in survey
        assert "Did the PDU meet your expectations?" in survey and "(base 45 who answered, of 45)" in survey
        assert "64% (29)" in survey and "top two (Yes + Partly): 96% (43)" in survey
        # Multiple choice: 42 of 45 answered, so 16 ticks of "training" are 38% of 42.
        assert "base 42 who answered, of 45; more than one answer allowed" in survey and "38% (16)" in survey
        # The follow-up wave has 12 respondents: never a percentage there below 10 answers (9 answered).
        assert "8 of 9" in survey
        assert app.screen.query_one("#summary-body").styles.layout.name == "horizontal"  # beside the themes
        await pilot.press("S")  # S again closes it, like escape
        await pilot.pause()
        assert type(app.screen).__name__ == "Workbench"


async def test_summary_stacks_survey_below_themes_at_80_columns(demo_location):
    app = QualcodeApp(demo_location, coder="lead")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("S")
        await ready(pilot)
        assert app.screen.query_one("#summary-body").styles.layout.name == "vertical"
        assert "64% (29)" in text_of(app.screen.survey_view, 80)


async def test_export_dialog_writes_the_survey_report(demo_location, tmp_path):
    app = QualcodeApp(demo_location, coder="lead")
    out = tmp_path / "survey.md"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("E")
        await pilot.pause()
        kinds = [value for _, value in app.screen.query_one("#kind", Select)._options]
        assert {"survey", "monitoring", "findings", "framework"} <= set(kinds)
        app.screen.query_one("#kind", Select).value = "survey"
        app.screen.query_one("#format", Select).value = "md"
        app.screen.query_one("#output", Input).value = str(out)
        await pilot.press("ctrl+s")
        await ready(pilot)
        assert out.exists() and "Did the PDU meet your expectations?" in out.read_text(encoding="utf-8")
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "Workbench"


async def test_export_dialog_writes_the_monitoring_and_findings_reports(demo_location, tmp_path):
    app = QualcodeApp(demo_location, coder="lead")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("E")
        await pilot.pause()
        for kind in ("monitoring", "findings"):
            out = tmp_path / f"{kind}.html"
            app.screen.query_one("#kind", Select).value = kind
            app.screen.query_one("#format", Select).value = "html"
            app.screen.query_one("#output", Input).value = str(out)
            await pilot.press("ctrl+s")
            await ready(pilot)
            assert out.exists() and out.stat().st_size > 500, kind
            assert f"Wrote {out}" in str(app.screen.query_one("#result").render())
