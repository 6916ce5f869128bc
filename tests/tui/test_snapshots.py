"""Snapshots of the main screens at 120x40 (update with: pytest tests/tui --snapshot-update)."""

from __future__ import annotations

from qualcode.tui.app import QualcodeApp

SIZE = (120, 40)


def test_workbench(snap_compare, demo_copy):
    assert snap_compare(QualcodeApp(demo_copy, coder="amira"), terminal_size=SIZE, press=["j", "j", "j"])


def test_code_picker(snap_compare, demo_copy):
    assert snap_compare(QualcodeApp(demo_copy, coder="amira"), terminal_size=SIZE, press=["j", "c", *"refer"])


def test_review_screen(snap_compare, demo_copy):
    assert snap_compare(QualcodeApp(demo_copy, coder="lead"), terminal_size=SIZE, press=["R", "a"])


def test_codebook_screen(snap_compare, demo_copy):
    assert snap_compare(QualcodeApp(demo_copy, coder="lead"), terminal_size=SIZE, press=["b", "down", "down"])


def test_search_screen(snap_compare, demo_copy):
    assert snap_compare(QualcodeApp(demo_copy, coder="lead"), terminal_size=SIZE,
                        press=["slash", *"Housing First", "enter"])


def test_help_screen(snap_compare, demo_copy):
    assert snap_compare(QualcodeApp(demo_copy, coder="lead"), terminal_size=SIZE, press=["question_mark"])
