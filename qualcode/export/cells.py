"""Cell text made safe for its destination: spreadsheets must not run it, no format may be steered by it."""

from __future__ import annotations

from typing import Any

from qualcode.core.display import FORMULA_START, safe_text


def clean(text: str) -> str:
    """Control and bidi-override characters become U+FFFD: they would break XML or disguise text."""
    return safe_text(text)


def spreadsheet_safe(value: Any) -> Any:
    """Numbers stay numbers; text that a spreadsheet would treat as a formula gets a leading apostrophe,
    so it is shown as the text it is."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, (int, float)):
        return value
    text = clean(str(value))
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def one_line(text: str) -> str:
    return " ".join(clean(text).split())
