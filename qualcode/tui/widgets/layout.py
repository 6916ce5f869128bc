"""How the workbench's columns share the terminal: the transcript keeps at least half the width at any size."""

from __future__ import annotations

from dataclasses import dataclass

MIN_SIZE = (80, 24)  # below this the workbench asks for a larger terminal
NARROW_BELOW = 100  # below this many columns the side panels collapse into toggles (d, t)


@dataclass(frozen=True, slots=True)
class Arrangement:
    too_small: bool
    narrow: bool
    documents: bool  # the documents column is shown
    tools: bool  # the codebook / suggestions column is shown
    left_width: int
    right_width: int


def arrange(
    width: int, height: int, want_documents: bool | None, want_tools: bool | None, last_toggled: str = "tools"
) -> Arrangement:
    """Which side panels show, and how wide, for a terminal of this size.

    want_* is the coder's choice from the toggle keys (None: the default for this width). When narrow, only
    one side panel shows at a time (the one toggled last), so the transcript keeps at least half the width.
    """
    too_small = width < MIN_SIZE[0] or height < MIN_SIZE[1]
    narrow = width < NARROW_BELOW
    documents = (not narrow) if want_documents is None else want_documents
    tools = (not narrow) if want_tools is None else want_tools
    if narrow and documents and tools:
        documents, tools = last_toggled == "documents", last_toggled == "tools"
    # Side columns (with their 1-cell borders) may take at most half the width between them.
    budget = width // 2
    left = min(36, max(22, width * 20 // 100)) if documents else 0
    right = min(56, max(30, width * 28 // 100)) if tools else 0
    if left + right + (documents + tools) > budget:
        scale = (budget - (documents + tools)) / max(1, left + right)
        left, right = int(left * scale), int(right * scale)
    return Arrangement(too_small, narrow, documents, tools, left, right)
