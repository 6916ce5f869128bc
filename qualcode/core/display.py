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
