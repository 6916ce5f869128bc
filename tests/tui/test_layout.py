"""The workbench at any terminal size: the transcript keeps at least half the width, side panels collapse
below 100 columns, a message asks for more room below 80x24, chips wrap whole, the status bar fits."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from qualcode.tui.app import QualcodeApp
from qualcode.tui.widgets.transcript import TranscriptView, render_segment

from .keys import covers

SIZES = [(80, 24), (99, 30), (100, 30), (120, 40), (160, 45), (200, 50)]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_transcript_gets_at_least_half_the_width(demo_copy, size):
    app = QualcodeApp(demo_copy, coder="zoe")
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = app.screen
        assert screen.query_one(TranscriptView).size.width >= size[0] // 2 - 2  # minus its own padding
        assert screen.query_one("#centre").size.width >= size[0] // 2
        narrow = size[0] < 100
        assert (
            screen.query_one("#left").display is not narrow
            and screen.query_one("#right").display is not narrow
        )
        assert not screen.query_one("#too-small").display
        status = screen.query_one("#status")
        line = status.render_line(0).text
        assert "coded" in line and len(line.rstrip()) <= size[0]


@covers("tab")
async def test_narrow_panels_open_one_at_a_time_and_keep_the_transcript_wide(demo_copy):
    app = QualcodeApp(demo_copy, coder="zoe")
    async with app.run_test(size=(80, 24)) as pilot:
        for key in ("d", "t"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen.query_one("#centre").size.width >= 40


@pytest.mark.parametrize("size", [(79, 24), (100, 23), (60, 20)])
async def test_below_80x24_a_message_asks_for_a_larger_terminal(demo_copy, size):
    app = QualcodeApp(demo_copy, coder="zoe")
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        message = app.screen.query_one("#too-small")
        assert message.display and not app.screen.query_one("#main").display
        assert "at least 80x24" in str(message.render())
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert not message.display and app.screen.query_one("#main").display


def test_code_chips_wrap_whole_never_leaving_a_mark_alone():
    codings = [
        {
            "code": f"practice.code{i}",
            "coder": "amira" if i % 2 else "zoe",
            "colour": "#88cc88",
            "contribution": "sufficient" if i % 3 == 0 else None,
            "start": 0,
            "end": 5,
        }
        for i in range(9)
    ]
    row = {"id": 7, "speaker": "P1", "case": "P1", "start": 0, "end": 5, "text": "Hello", "codings": codings}
    for width in (30, 41, 57, 80):
        console = Console(width=width, record=True, file=io.StringIO())
        console.print(render_segment(row, "zoe"))
        lines = console.export_text().splitlines()[2:]
        chips = [line.strip() for line in lines if line.strip()]
        for line in chips:
            assert line.startswith("practice.code"), (width, line)  # never "S" or "(amira)" alone
        text = " ".join(chips)
        assert all(f"practice.code{i}" in text for i in range(9))


async def test_quick_key_with_the_documents_panel_folded_away_at_80_columns(demo_copy):
    """Found in tmux at 80x24: with the documents panel hidden, a coding redrew its label at width 0 and the
    workbench crashed (rich: "range() arg 3 must not be zero"). The coding must be saved and the app live."""
    from .helpers import current_segment, ready, rows

    app = QualcodeApp(demo_copy, coder="zoe")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await pilot.press("t")  # the codebook panel: its highlighted code is pinned with p
        await pilot.press("p")
        await pilot.press("d", "t")  # documents shown, then hidden again by the codebook panel
        await pilot.press("escape", "j", "j", "j")
        seg = current_segment(app)
        await pilot.press("1")
        await pilot.pause()
        assert app.is_running
        coded = rows(
            demo_copy,
            "SELECT count(*) AS n FROM codings WHERE segment_id = ? AND coder = 'zoe'",
            (seg["id"],),
        )
        assert coded[0]["n"] == 1
