"""No workbench code passes Select.BLANK as a value: on Textual 8 it is the flag False and crashes the dialog
(issue 12). "Nothing chosen" goes through qualcode.tui.widgets.choice, which knows each version's name for it."""

from __future__ import annotations

from pathlib import Path

import qualcode.tui

TUI = Path(qualcode.tui.__file__).parent


def test_select_blank_is_only_named_in_the_choice_helper():
    offenders = [
        f"{path.relative_to(TUI)}:{n}"
        for path in sorted(TUI.rglob("*.py"))
        if path.name != "choice.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "Select.BLANK" in line
    ]
    assert offenders == []
