"""Select's "nothing chosen" value across Textual versions (Select.NULL since 0.86-ish, Select.BLANK before)."""

from __future__ import annotations

from typing import Any

from textual.widgets import Select

# Textual 8 kept Select.BLANK as the *flag* `False` (allow_blank's old meaning) and named the "no selection"
# value Select.NULL; passing BLANK as a value raises InvalidSelectValueError. Older Textual only has BLANK.
NO_SELECTION: Any = getattr(Select, "NULL", None) or Select.BLANK


def chosen(select: Select[Any]) -> Any | None:
    """The selected value, or None when nothing is selected (whatever Textual calls that)."""
    return None if select.is_blank() else select.value


def initial(value: Any | None) -> Any:
    """A value to start a Select with: the given one, or "no selection"."""
    return NO_SELECTION if value is None or value == "" else value
