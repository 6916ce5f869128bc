"""Make untrusted transcript text safe to show in a terminal: no escape sequences, no bidi tricks."""

from __future__ import annotations

import re

# C0 controls except tab/newline, DEL, C1 controls, and Unicode bidi overrides/isolates.
_UNSAFE_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def safe_text(text: str | None) -> str:
    """Replace control and bidi-override characters with U+FFFD so they are seen, not obeyed."""
    if not text:
        return ""
    return _UNSAFE_RE.sub("\ufffd", text)


def json_safe(text: str) -> str:
    """JSON text with control and bidi characters written as \\uXXXX escapes: the same data, but nothing a
    terminal would obey when the JSON is printed (json.dumps already escapes C0 controls, not DEL, C1 or bidi)."""
    return _UNSAFE_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


# A cell starting with one of these is a formula (or DDE call) to Excel, LibreOffice and Google Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def unescape_cell(value: str) -> str:
    """Undo the apostrophe our CSV writers put before text a spreadsheet would run as a formula."""
    if value.startswith("'") and value[1:2] and value[1] in FORMULA_START:
        return value[1:]
    return value
