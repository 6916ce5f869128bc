"""Split a transcript's text into segments: one per speaker turn, or one per paragraph / list item."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from qualcode.core.models import ParsedSegment

_TIME = r"(?:\[\s*\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?\s*\]|\(\s*\d{1,2}:\d{2}(?::\d{2})?\s*\)|\d{1,2}:\d{2}(?::\d{2})?)"
# "[00:12:31] Sam: text", "Interviewer: text", "**P3:** text", "00:12 Participant 2 - " is not a label.
LABEL_RE = re.compile(
    rf"^[ \t]*(?:{_TIME}[ \t]*(?:-[ \t]*)?)?"
    r"(?:\*\*)?(?P<label>[^\W\d_][\w.'’()\- ]{0,38}?)(?:\*\*)?[ \t]*:(?:\*\*)?(?:[ \t]+|$)"
)
_KNOWN_LABEL_RE = re.compile(
    r"^(?:interviewer|interviewee|facilitator|co-facilitator|moderator|researcher|evaluator|respondent|"
    r"participant(?: \d+)?|speaker(?: \d+)?|p\d+|r\d+|i\d*|q|a)$",
    re.IGNORECASE,
)
# Labels that are the research team, not participants: their turns belong to no case.
RESEARCHER_RE = re.compile(
    r"^(?:interviewer|facilitator|co-facilitator|moderator|researcher|evaluator|int|i|q|chair|note ?taker)(?:\s*\d+)?$",
    re.IGNORECASE,
)
_NAME_SHAPED_RE = re.compile(r"^(?:[A-Z][\w.'’\-]*|\d+)(?: (?:[A-Z][\w.'’\-]*|\d+|\(\w+\))){0,2}$")
_LIST_ITEM_RE = re.compile(r"^[ \t]*(?:[-*+•]|\d{1,3}[.)])[ \t]+")
_HEADING_RE = re.compile(r"^[ \t]*#{1,6}[ \t]")
_MAX_LABEL_WORDS = 4


def is_researcher(label: str | None) -> bool:
    return bool(label) and bool(RESEARCHER_RE.match(label.strip()))  # type: ignore[union-attr]


@dataclass(slots=True)
class _Line:
    start: int  # offset of the first character of the line in the text
    text: str


def _lines(text: str) -> list[_Line]:
    out: list[_Line] = []
    pos = 0
    for raw in text.split("\n"):
        out.append(_Line(pos, raw))
        pos += len(raw) + 1
    return out


def _label_of(line: str) -> tuple[str, int] | None:
    """The speaker label of a line and where its utterance starts, or None."""
    m = LABEL_RE.match(line)
    if not m:
        return None
    label = m.group("label").strip()
    if not label or len(label.split()) > _MAX_LABEL_WORDS:
        return None
    return label, m.end()


def _trimmed_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def split_turns(text: str) -> list[ParsedSegment]:
    """Speaker turns where the text has them (a label seen twice, or a known one), else paragraphs."""
    lines = _lines(text)
    labelled = [(i, _label_of(ln.text)) for i, ln in enumerate(lines)]
    counts = Counter(lab[0] for _, lab in labelled if lab)
    # A transcript has a label seen twice or a known one ("Interviewer", "P3"); in a transcript, a label
    # seen once still counts if it is shaped like a name ("Dr Anika Rao").
    anchors = {lab for lab, n in counts.items() if n >= 2 or _KNOWN_LABEL_RE.match(lab)}
    speakers = anchors | {lab for lab in counts if _NAME_SHAPED_RE.match(lab)}
    turn_lines = sum(n for lab, n in counts.items() if lab in speakers)
    if not anchors or turn_lines < 2:
        return split_paragraphs(text)

    segments: list[ParsedSegment] = []
    current: tuple[str | None, int] | None = None  # (speaker, utterance start offset)
    last_end = 0

    def close(upto: int) -> None:
        if current is None:
            return
        span = _trimmed_span(text, current[1], upto)
        if span:
            segments.append(ParsedSegment(span[0], span[1], speaker=current[0]))

    preamble_start: int | None = None
    for i, ln in enumerate(lines):
        lab = labelled[i][1]
        if lab and lab[0] in speakers:
            if current is None and preamble_start is not None:
                segments.extend(split_paragraphs(text[preamble_start:ln.start], offset=preamble_start))
            close(ln.start)
            current = (lab[0], ln.start + lab[1])
        elif current is None and preamble_start is None:
            preamble_start = ln.start
        last_end = ln.start + len(ln.text)
    close(last_end)
    if current is None and preamble_start is not None:  # unreachable when turn_lines >= 2, kept for safety
        segments.extend(split_paragraphs(text[preamble_start:], offset=preamble_start))
    return segments


def split_paragraphs(text: str, offset: int = 0) -> list[ParsedSegment]:
    """Paragraphs separated by blank lines; each list item is its own segment; Markdown headings are skipped."""
    segments: list[ParsedSegment] = []
    start: int | None = None
    end = 0

    def close() -> None:
        if start is not None:
            span = _trimmed_span(text, start, end)
            if span:
                segments.append(ParsedSegment(span[0] + offset, span[1] + offset))

    for ln in _lines(text):
        stripped = ln.text.strip()
        if not stripped or _HEADING_RE.match(ln.text):
            close()
            start = None
            continue
        item = _LIST_ITEM_RE.match(ln.text)
        if item:
            close()
            start = ln.start + item.end()
        elif start is None:
            start = ln.start
        end = ln.start + len(ln.text)
    close()
    return segments
