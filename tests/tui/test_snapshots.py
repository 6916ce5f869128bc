"""Snapshots of the workbench at 80x24, 120x40 and 200x50 and of its screens (update with:
pytest tests/tui --snapshot-update, then look at the pictures before committing)."""

from __future__ import annotations

import pytest

from qualcode.tui.app import QualcodeApp
from tests.tui.helpers import ready

SIZE = (120, 40)
SIZES = [(80, 24), (120, 40), (200, 50)]


async def settled(pilot) -> None:
    """Wait for the suggester and report workers so the snapshot does not depend on timing."""
    await ready(pilot)


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_workbench(snap_compare, demo_copy, size):
    assert snap_compare(
        QualcodeApp(demo_copy, coder="amira"), terminal_size=size, run_before=settled, press=["j", "j", "j"]
    )


def test_workbench_narrow_with_codebook_panel(snap_compare, demo_copy):
    assert snap_compare(
        QualcodeApp(demo_copy, coder="amira"), terminal_size=(80, 24), run_before=settled, press=["j", "t"]
    )


def test_too_small(snap_compare, demo_copy):
    assert snap_compare(QualcodeApp(demo_copy, coder="amira"), terminal_size=(70, 20), run_before=settled)


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_contribution_dialog(snap_compare, demo_copy, size):
    assert snap_compare(
        QualcodeApp(demo_copy, coder="amira"),
        terminal_size=size,
        run_before=settled,
        press=["j", "j", "j", "e"],
    )


def test_code_picker(snap_compare, demo_copy):
    assert snap_compare(
        QualcodeApp(demo_copy, coder="amira"),
        terminal_size=SIZE,
        run_before=settled,
        press=["j", "c", *"refer"],
    )


def test_review_screen(snap_compare, demo_copy):
    assert snap_compare(
        QualcodeApp(demo_copy, coder="lead"), terminal_size=SIZE, run_before=settled, press=["R", "a"]
    )


def test_codebook_screen(snap_compare, demo_copy):
    assert snap_compare(
        QualcodeApp(demo_copy, coder="lead"),
        terminal_size=SIZE,
        run_before=settled,
        press=["b", "down", "down"],
    )


def test_search_screen(snap_compare, demo_copy):
    async def searched(pilot) -> None:
        await settled(pilot)
        await pilot.press("slash", *"Housing First", "enter")
        await pilot.app.workers.wait_for_complete()  # the search runs in a worker thread (a few ms: the
        await pilot.pause()  # input's cursor is still in the first half of its blink, as before)

    assert snap_compare(QualcodeApp(demo_copy, coder="lead"), terminal_size=SIZE, run_before=searched)


def test_help_screen(snap_compare, demo_copy):
    assert snap_compare(
        QualcodeApp(demo_copy, coder="lead"), terminal_size=SIZE, run_before=settled, press=["question_mark"]
    )


def test_filter_dialog(snap_compare, demo_copy):
    assert snap_compare(
        QualcodeApp(demo_copy, coder="lead"), terminal_size=SIZE, run_before=settled, press=["f"]
    )


def test_summary_screen(snap_compare, demo_copy):
    async def open_summary(pilot) -> None:
        await settled(pilot)
        await pilot.press("S")
        await settled(pilot)

    assert snap_compare(QualcodeApp(demo_copy, coder="lead"), terminal_size=SIZE, run_before=open_summary)


MAP_SIZES = [(80, 24), (120, 40)]


def at_map_item(kind: str, key: str, *keys: str):
    """Open the outcome map (O), put the cursor on an item and press `keys` (e.g. e: its edit dialog)."""

    async def run(pilot) -> None:
        await settled(pilot)
        await pilot.press("O")
        await pilot.pause()
        pilot.app.screen.move_to((kind, key))
        await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()
        # a blinking cursor would make the picture depend on the moment it is taken
        for box in pilot.app.screen.query("Input, TextArea"):
            box.cursor_blink = False
        # a dialog scrolls its focused field into view: let that finish, however busy the machine
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(0.3)

    return run


@pytest.mark.parametrize("size", MAP_SIZES, ids=[f"{w}x{h}" for w, h in MAP_SIZES])
def test_outcome_map_screen(snap_compare, demo_copy, size):
    assert snap_compare(
        QualcodeApp(demo_copy, coder="lead"),
        terminal_size=size,
        run_before=at_map_item("claim", "c.referrals"),
    )


@pytest.mark.parametrize("size", MAP_SIZES, ids=[f"{w}x{h}" for w, h in MAP_SIZES])
def test_claim_edit_dialog(snap_compare, demo_copy, size):
    assert snap_compare(
        QualcodeApp(demo_copy, coder="lead"),
        terminal_size=size,
        run_before=at_map_item("claim", "c.referrals", "e"),
    )


@pytest.mark.parametrize("size", MAP_SIZES, ids=[f"{w}x{h}" for w, h in MAP_SIZES])
def test_outcome_dialog(snap_compare, demo_copy, size):
    assert snap_compare(
        QualcodeApp(demo_copy, coder="lead"),
        terminal_size=size,
        run_before=at_map_item("outcome", "out.referrals", "e"),
    )
