"""Snapshots of the main screens at 120x40 (update with: pytest tests/tui --snapshot-update)."""

from __future__ import annotations

from qualcode.tui.app import QualcodeApp
from qualcode.tui.screens.workbench import SUGGESTER_DELAY

SIZE = (120, 40)


async def settled(pilot) -> None:
    """Wait for background workers (the suggester, reports) so the snapshot does not depend on timing."""
    await pilot.pause(SUGGESTER_DELAY + 0.2)  # the suggester starts this long after the screen is up
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_workbench(snap_compare, demo_copy):
    assert snap_compare(QualcodeApp(demo_copy, coder="amira"), terminal_size=SIZE, run_before=settled, press=["j", "j", "j"])


def test_code_picker(snap_compare, demo_copy):
    assert snap_compare(QualcodeApp(demo_copy, coder="amira"), terminal_size=SIZE, run_before=settled, press=["j", "c", *"refer"])


def test_review_screen(snap_compare, demo_copy):
    assert snap_compare(QualcodeApp(demo_copy, coder="lead"), terminal_size=SIZE, run_before=settled, press=["R", "a"])


def test_codebook_screen(snap_compare, demo_copy):
    assert snap_compare(QualcodeApp(demo_copy, coder="lead"), terminal_size=SIZE, run_before=settled, press=["b", "down", "down"])


def test_search_screen(snap_compare, demo_copy):
    assert snap_compare(QualcodeApp(demo_copy, coder="lead"), terminal_size=SIZE,
                        run_before=settled, press=["slash", *"Housing First", "enter"])


def test_help_screen(snap_compare, demo_copy):
    assert snap_compare(QualcodeApp(demo_copy, coder="lead"), terminal_size=SIZE, run_before=settled, press=["question_mark"])


def test_summary_screen(snap_compare, demo_copy):
    async def open_summary(pilot) -> None:
        await settled(pilot)
        await pilot.press("S")
        await settled(pilot)

    assert snap_compare(QualcodeApp(demo_copy, coder="lead"), terminal_size=SIZE, run_before=open_summary)
