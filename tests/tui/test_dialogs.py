"""Filter and export dialogs opened with their defaults, run, and closed (Textual 8: Select.NULL, not BLANK)."""

from __future__ import annotations

import pytest
from textual.widgets import Select

from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.export import KIND_CHOICES
from qualcode.tui.widgets.transcript import TranscriptView
from tests.tui.helpers import SIZE, ready

from .keys import covers


@covers("f")
async def test_filter_with_defaults_then_by_code_then_cleared(demo_location):
    app = QualcodeApp(demo_location, coder="amira")
    async with app.run_test(size=SIZE) as pilot:
        view = app.screen.query_one(TranscriptView)
        total = view.total
        await pilot.press("f")
        await pilot.pause()
        assert type(app.screen).__name__ == "FilterDialog"
        await pilot.press("ctrl+s")  # the defaults: no filter at all
        await pilot.pause()
        assert (
            type(app.screen).__name__ == "Workbench" and app.screen.filter.is_empty() and view.total == total
        )
        await pilot.press("f")
        await pilot.pause()
        app.screen.query_one("#code", Select).value = "hls.key-functions"
        app.screen.query_one("#coded", Select).value = "mine"
        await pilot.press("ctrl+s")
        await pilot.pause()
        workbench = app.screen
        assert workbench.filter.code == "hls.key-functions" and workbench.filter.coder == "amira"
        assert 0 < view.total < total
        assert all(any(c["code"] == "hls.key-functions" for c in r["codings"]) for r in view.rows)
        await pilot.press("f")  # reopening shows the filter in force, and Escape keeps it
        await pilot.pause()
        assert app.screen.query_one("#coded", Select).value == "mine"
        await pilot.press("escape")
        await pilot.pause()
        assert workbench.filter.code == "hls.key-functions"
        await pilot.press("F")
        await pilot.pause()
        assert workbench.filter.is_empty() and view.total == total


@covers("E")
@pytest.mark.parametrize("kind", [k for _, k in KIND_CHOICES])
async def test_export_each_report_with_default_options(demo_location, tmp_path, kind):
    out = tmp_path / f"{kind}.html"
    app = QualcodeApp(demo_location, coder="lead")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("E")
        await pilot.pause()
        assert app.screen.query_one("#by", Select).is_blank()  # default: no breakdown
        app.screen.query_one("#kind", Select).value = kind
        app.screen.query_one("#output").value = str(out)
        await pilot.press("ctrl+s")
        await ready(pilot)
        result = str(app.screen.query_one("#result").render())
        assert result.startswith("Wrote"), result
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "Workbench"
    assert out.stat().st_size > 500
