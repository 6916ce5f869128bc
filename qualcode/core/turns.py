"""Split a transcript's text into segments: speaker turns (with legend, times and roles), or paragraphs."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from qualcode.core.models import ParsedSegment

# A clock time as transcripts write it: 03:19, 00:01:02, 0:10:07.9, 0:0:4.960 (Teams), 00:00:01,000 (SRT).
_T = r"\d{1,2}:\d{1,2}(?::\d{1,2})?(?:[.,]\d{1,3})?"
_TIME = rf"(?:\[[ \t]*{_T}[ \t]*\]|\([ \t]*{_T}[ \t]*\)|{_T})"
_BRACKETED_TIME = rf"(?:\[[ \t]*{_T}[ \t]*\]|\([ \t]*{_T}[ \t]*\))"
_LAB = r"(?P<label>[^\W\d_][\w.'’()\- ]{0,38}?)"
_BOLD = r"(?:\*\*)?"
# A timestamp before the label: "[00:12:31] Sam:", "(00:13) Interviewer:", "*06:13 = M:", "00:12 - P2:".
_PREFIX = rf"(?:[*#]?(?P<time1>{_TIME})[ \t]*(?:[-=–—|][ \t]*)?)?"
# "Label: text", "**P3:** text", "I:Okay" (no space, but a letter or bracket follows: never "http://" or "10:30"),
# with an optional bracketed time after the colon ("Interviewer: [00:01:02] text").
LABEL_RE = re.compile(
    rf"^[ \t]*{_PREFIX}{_BOLD}{_LAB}{_BOLD}[ \t]*[:：]{_BOLD}"
    rf"(?:[ \t]+|$|(?=[^\W\d_\s]|[\[(\"'“‘]))(?:[ \t]*(?P<time2>{_BRACKETED_TIME})(?:[ \t]+|$))?"
)
# Trint, Descript, Rev: "Speaker 1 (00:01:02): text", or the header alone with the text on the next lines.
_TIMED_HEADER_RE = re.compile(
    rf"^[ \t]*{_BOLD}{_LAB}{_BOLD}[ \t]+[(\[][ \t]*(?P<time2>{_T})[ \t]*[)\]]{_BOLD}[ \t]*(?:[:：]{_BOLD}[ \t]*|$)"
)
# Zoom's saved captions: "[Sara Mannheimer] 10:01:22 text".
_ZOOM_RE = re.compile(rf"^[ \t]*\[(?P<label>[^\W\d_][^\]\n:]{{0,38}})\][ \t]+(?P<time2>{_T})(?:[ \t]+|$)")
# Otter.ai and new Teams exports: "Sara Mannheimer  03:19" alone on its line, the turn's text below it.
_NAME_TIME_RE = re.compile(rf"^[ \t]*{_LAB}[ \t]+(?P<time2>{_T})[ \t]*$")
# A timestamp on a line of its own ("0:10:07.9", "[00:03:12]", a caption cue "0:0:0.0 --> 0:0:4.960").
TIME_LINE_RE = re.compile(rf"^[ \t]*[*#]?(?P<time>{_TIME})(?:[ \t]*-->[ \t]*{_TIME}[^\n]*)?[ \t]*$")
# Otter's own footer, not anybody's words.
_FOOTER_RE = re.compile(r"^[ \t]*Transcribed by https?://otter\.ai[ \t]*$", re.IGNORECASE)
# A legend entry: "I1: Interviewer 1", "M = Mand"; or several on one line: "Interviewer (I) Informant (X)".
_LEGEND_RE = re.compile(
    r"^[ \t]*(?P<code>[^\W_][\w.]{0,3})[ \t]*[:=][ \t]*(?P<name>[^\W\d_][\w.'’\- ]{0,38}?)[ \t]*$"
)
_LEGEND_PAIR_RE = re.compile(r"(?P<name>[^\W\d_][\w.'’\- ]{0,38}?)[ \t]*\((?P<code>[^\W_][\w.]{0,3})\)")
_LEGEND_PAIRS_LINE_RE = re.compile(rf"^[ \t]*(?:{_LEGEND_PAIR_RE.pattern}[ \t]*[,;/]?[ \t]*){{2,}}$")
_LEGEND_SCAN_LINES = 40

_KNOWN_LABEL_RE = re.compile(
    r"^(?:interviewer|interviewee|facilitator|co-facilitator|moderator|researcher|evaluator|respondent|informant|"
    r"participant(?: \d+)?|speaker(?: \d+)?|p\d+|r\d+|i\d*|q|a)$",
    re.IGNORECASE,
)
# Labels that are the research team, not participants: their turns belong to no case.
RESEARCHER_RE = re.compile(
    r"^(?:interviewer|facilitator|co-facilitator|moderator|researcher|evaluator|int|i|q|chair|note ?taker)(?:\s*\d+)?$",
    re.IGNORECASE,
)
_NAME_SHAPED_RE = re.compile(r"^(?:[A-Z][\w.'’\-]*|\d+)(?: (?:[A-Z][\w.'’\-]*|\d+|\(\w+\))){0,2}$")
_BARE_NAME_RE = re.compile(r"^[ \t]*(?P<label>[^\W\d_][\w.'’\- ]{0,38}?)[ \t]*$")
_LIST_ITEM_RE = re.compile(r"^[ \t]*(?:[-*+•]|\d{1,3}[.)])[ \t]+")
_HEADING_RE = re.compile(r"^[ \t]*#{1,6}[ \t]")
_MAX_LABEL_WORDS = 4

RESEARCHER, PARTICIPANT = "researcher", "participant"


def is_researcher(label: str | None) -> bool:
    return bool(label) and bool(RESEARCHER_RE.match(label.strip()))  # type: ignore[union-attr]


@dataclass(slots=True)
class Turns:
    """What a transcript's text holds: its segments, the legend (code -> name) and each speaker's role."""

    segments: list[ParsedSegment]
    legend: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)  # speaker (as stored) -> researcher | participant


@dataclass(slots=True)
class _Line:
    start: int  # offset of the first character of the line in the text
    text: str


@dataclass(slots=True)
class _Head:
    label: str
    body: int  # where the utterance starts, relative to the line
    time: str | None


def _lines(text: str) -> list[_Line]:
    out: list[_Line] = []
    pos = 0
    for raw in text.split("\n"):
        out.append(_Line(pos, raw))
        pos += len(raw) + 1
    return out


def _bare_time(value: str | None) -> str | None:
    return value.strip("[]() \t") if value else None


def _head_of(line: str) -> _Head | None:
    """The speaker label of a line, where its utterance starts and the time it gives, or None."""
    for pattern in (_TIMED_HEADER_RE, _ZOOM_RE, LABEL_RE, _NAME_TIME_RE):
        m = pattern.match(line)
        if not m:
            continue
        label = m.group("label").strip()
        if not label or len(label.split()) > _MAX_LABEL_WORDS:
            return None
        groups = m.groupdict()
        return _Head(label, m.end(), _bare_time(groups.get("time1") or groups.get("time2")))
    return None


def time_of_line(line: str) -> str | None:
    """The time of a line that is only a timestamp (or a caption cue), else None."""
    m = TIME_LINE_RE.match(line)
    return _bare_time(m.group("time")) if m else None


def _trimmed_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


def _caption_heads(lines: list[_Line], times: list[str | None]) -> dict[int, _Head]:
    """Teams' text export: a cue time line, the speaker's name alone on the next line, the words below. A name
    counts only if it comes after a time line at least twice."""
    found: dict[int, str] = {}
    for i in range(len(lines) - 2):
        if times[i] is None or times[i + 1] is not None or not lines[i + 2].text.strip():
            continue
        m = _BARE_NAME_RE.match(lines[i + 1].text)
        if m and len(m.group("label").split()) <= _MAX_LABEL_WORDS:
            found[i + 1] = m.group("label")
    counts = Counter(found.values())
    return {
        i: _Head(name, len(lines[i].text), times[i - 1]) for i, name in found.items() if counts[name] >= 2
    }


def _find_legend(lines: list[_Line], heads: list[_Head | None]) -> tuple[dict[str, str], set[int]]:
    """A speaker legend at the top: 'I1: Interviewer 1' lines, or 'Interviewer (I) Informant (X)'. Every code
    must be used as a label later; 'CODE: name' lines need two or more entries, one naming a role, so that a
    transcript opening with 'I: Hello' is not taken for a legend."""
    legend: dict[str, str] = {}
    legend_lines: set[int] = set()
    paired = False
    for i, ln in enumerate(lines[:_LEGEND_SCAN_LINES]):
        if not ln.text.strip() or time_of_line(ln.text):
            continue
        if _LEGEND_PAIRS_LINE_RE.match(ln.text):
            pairs = {m.group("code"): m.group("name").strip() for m in _LEGEND_PAIR_RE.finditer(ln.text)}
            legend.update(pairs)
            legend_lines.add(i)
            paired = True
            continue
        m = _LEGEND_RE.match(ln.text)
        if (
            m
            and m.group("code") not in legend
            and m.group("name").strip().casefold() != m.group("code").casefold()
        ):
            legend[m.group("code")] = m.group("name").strip()
            legend_lines.add(i)
            continue
        if legend_lines or heads[i] is not None:
            break  # the legend ends, or the turns began without one
    if not legend_lines:
        return {}, set()
    after = max(legend_lines)
    used = {h.label for h in heads[after + 1 :] if h}
    if not set(legend) <= used:
        return {}, set()
    role_named = any(_KNOWN_LABEL_RE.match(n) or is_researcher(n) for n in legend.values())
    if not paired and (len(legend) < 2 or not role_named):
        return {}, set()
    return legend, legend_lines


def _folded(names: Iterable[str]) -> set[str]:
    return {n.strip().casefold() for n in names if n.strip()}


def speaker_roles(
    speakers: Iterable[str],
    interviewers: Iterable[str] = (),
    legend: dict[str, str] | None = None,
) -> dict[str, str]:
    """researcher for a named interviewer (by name or legend code) or a research-team label, else participant."""
    named = _folded(interviewers)
    codes = {name: code for code, name in (legend or {}).items()}
    roles = {}
    for s in speakers:
        code = codes.get(s, s)
        team = s.casefold() in named or code.casefold() in named or is_researcher(s) or is_researcher(code)
        roles[s] = RESEARCHER if team else PARTICIPANT
    return roles


def split_turns(text: str) -> list[ParsedSegment]:
    """Speaker turns where the text has them (a label seen twice, or a known one), else paragraphs."""
    return parse_turns(text).segments


def parse_turns(text: str, interviewers: Iterable[str] = ()) -> Turns:
    """Segments, legend and roles; timestamp lines become the next turn's time and legend lines no segment."""
    interviewers = list(interviewers)
    lines = _lines(text)
    times = [time_of_line(ln.text) for ln in lines]
    heads: list[_Head | None] = [None if times[i] else _head_of(ln.text) for i, ln in enumerate(lines)]
    for i, head in _caption_heads(lines, times).items():
        heads[i] = head
    legend, legend_lines = _find_legend(lines, heads)
    for i in legend_lines:
        heads[i] = None
    counts = Counter(h.label for h in heads if h)
    named = _folded(interviewers)
    # A transcript has a label seen twice or a known one ("Interviewer", "P3"); in a transcript, a label
    # seen once still counts if it is shaped like a name ("Dr Anika Rao").
    anchors = {lab for lab, n in counts.items() if n >= 2 or _KNOWN_LABEL_RE.match(lab)}
    anchors |= {lab for lab in counts if lab in legend or lab.casefold() in named}
    speakers = anchors | {lab for lab in counts if _NAME_SHAPED_RE.match(lab)}
    turn_lines = sum(n for lab, n in counts.items() if lab in speakers)
    if not anchors or turn_lines < 2:
        segments = split_paragraphs(text, skip=legend_lines)
        return Turns(segments, legend, {})
    return _walk(text, lines, times, heads, speakers, legend, legend_lines, interviewers)


def _walk(
    text: str,
    lines: list[_Line],
    times: list[str | None],
    heads: list[_Head | None],
    speakers: set[str],
    legend: dict[str, str],
    legend_lines: set[int],
    interviewers: list[str],
) -> Turns:
    segments: list[ParsedSegment] = []
    current: list = []  # [speaker, utterance start offset, time] of the open turn
    preamble: int | None = None
    pending: str | None = None  # a timestamp line's time, not yet given to any words

    def close(upto: int) -> None:
        nonlocal preamble
        if current:
            span = _trimmed_span(text, current[1], upto)
            if span:
                segments.append(ParsedSegment(span[0], span[1], speaker=current[0], time=current[2]))
        elif preamble is not None:
            segments.extend(split_paragraphs(text[preamble:upto], offset=preamble))
            preamble = None

    for i, ln in enumerate(lines):
        head = heads[i]
        next_start = ln.start + len(ln.text) + 1
        if head and head.label in speakers:
            close(ln.start)
            current[:] = [legend.get(head.label, head.label), ln.start + head.body, head.time or pending]
            pending = None
        elif times[i] is not None:
            close(ln.start)
            pending = times[i]
            if current:
                current[1:] = [next_start, pending]
        elif i in legend_lines or _FOOTER_RE.match(ln.text):
            close(ln.start)
            current.clear()
            if i not in legend_lines:
                current[:] = [None, ln.start, None]
        elif ln.text.strip():
            pending = None
            if not current and preamble is None:
                preamble = ln.start
    close(len(text))
    voices = [s.speaker for s in segments if s.speaker]
    return Turns(segments, legend, speaker_roles(dict.fromkeys(voices), interviewers, legend))


def split_paragraphs(text: str, offset: int = 0, skip: set[int] | None = None) -> list[ParsedSegment]:
    """Paragraphs separated by blank lines; each list item is its own segment; Markdown headings are skipped;
    a timestamp line is the next paragraph's time, never its text; lines numbered in `skip` are left out."""
    segments: list[ParsedSegment] = []
    start: int | None = None
    end = 0
    time: str | None = None

    def close() -> None:
        nonlocal time
        if start is not None:
            span = _trimmed_span(text, start, end)
            if span:
                segments.append(ParsedSegment(span[0] + offset, span[1] + offset, time=time))
                time = None

    for i, ln in enumerate(_lines(text)):
        stripped = ln.text.strip()
        line_time = time_of_line(ln.text)
        if not stripped or _HEADING_RE.match(ln.text) or line_time or (skip and i in skip):
            close()
            start = None
            time = line_time or time
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
