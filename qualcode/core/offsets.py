"""Text offsets written by other QDA tools, mapped to code points of qualcode's LF-normalised text.

REFI-QDA says offsets count Unicode code points. NVivo counts UTF-16 code units, and on Windows counts CRLF
as two (its BOM is not counted). Other tools may count over text whose line endings they normalised. The
model is chosen per source from the producer, then checked against the selections themselves.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

# Must change text exactly as qualcode.ingest.common.normalise_text does (a test checks they agree).
_SPECIAL_RE = re.compile(r"\r\n|\r|\u2028|\u2029|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ASTRAL_RE = re.compile(r"[\U00010000-\U0010FFFF]")
_REPLACEMENT = {"\r\n": "\n", "\r": "\n", "\u2028": "\n", "\u2029": "\n\n"}
_WS_RE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class OffsetModel:
    """How a producer counted: in `utf16` code units or code points, over the file's text with CRLF as two
    (`crlf_counts_two`) or over text whose line endings were made LF first."""

    utf16: bool
    crlf_counts_two: bool

    def describe(self) -> str:
        unit = "UTF-16 code units" if self.utf16 else "code points"
        return f"{unit}, CRLF counted as {'2' if self.crlf_counts_two else '1'}"


SPEC = OffsetModel(utf16=False, crlf_counts_two=True)
NVIVO = OffsetModel(utf16=True, crlf_counts_two=True)
MODELS = (SPEC, NVIVO, OffsetModel(False, False), OffsetModel(True, False))


def preferred_model(origin: str) -> OffsetModel:
    """What the producer is known to write: NVivo counts UTF-16 units; the spec (and others) code points."""
    return NVIVO if "nvivo" in origin.lower() else SPEC


@dataclass(slots=True)
class _Edit:
    start: int  # where the replaced run begins in the input
    length: int  # its length in the input
    out_length: int  # what it became


class _Mapper:
    """Maps offsets in one model to offsets in the normalised text; None where a boundary cannot be."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.edits = [
            _Edit(m.start(), m.end() - m.start(), len(_REPLACEMENT.get(m.group(), "")))
            for m in _SPECIAL_RE.finditer(raw)
        ]
        self.edit_starts = [e.start for e in self.edits]
        self.shift_before: list[int] = []  # total (out - in) length change of the edits before edit i
        total = 0
        for e in self.edits:
            self.shift_before.append(total)
            total += e.out_length - e.length
        self.text = normalise(raw)
        # Where each CRLF's LF sits in the text with CRLF made LF (for models that count CRLF as one).
        self.crlf_in_lf: list[int] = []
        for n, m in enumerate(re.finditer(r"\r\n", raw)):
            self.crlf_in_lf.append(m.start() - n)
        lf_text = raw.replace("\r\n", "\n")
        self.astral = {
            True: [m.start() + n for n, m in enumerate(_ASTRAL_RE.finditer(raw))],
            False: [m.start() + n for n, m in enumerate(_ASTRAL_RE.finditer(lf_text))],
        }
        self.lengths = {True: len(raw), False: len(lf_text)}

    def units(self, model: OffsetModel) -> int:
        return self.lengths[model.crlf_counts_two] + len(self.astral[model.crlf_counts_two]) * model.utf16

    def to_text(self, offset: int, model: OffsetModel) -> tuple[int, bool]:
        """(offset in the normalised text, whether the boundary is clean) for an offset counted in `model`."""
        clean = True
        pos = offset
        if model.utf16:  # UTF-16 units -> code points: every astral character before took two units
            starts = self.astral[model.crlf_counts_two]
            k = bisect_left(starts, pos)
            if k and starts[k - 1] + 1 == pos:  # between the two halves of a surrogate pair
                clean = False
                pos -= 1
                k -= 1
            pos -= k
        if not model.crlf_counts_two:  # code points of LF text -> code points of the file's text
            pos += bisect_left(self.crlf_in_lf, pos)
        i = bisect_left(self.edit_starts, pos)
        if i and pos < self.edits[i - 1].start + self.edits[i - 1].length:  # inside a CRLF (or other run)
            clean = False
            e = self.edits[i - 1]
            return e.start + self.shift_before[i - 1] + e.out_length, clean
        shift = self.shift_before[i - 1] + self.edits[i - 1].out_length - self.edits[i - 1].length if i else 0
        return pos + shift, clean


def normalise(raw: str) -> str:
    return _SPECIAL_RE.sub(lambda m: _REPLACEMENT.get(m.group(), ""), raw)


@dataclass(slots=True)
class Span:
    start: int
    end: int
    name: str = ""


@dataclass(slots=True)
class Mapped:
    """The result for one source: the normalised text, each span in it (None if out of range), the model."""

    text: str
    spans: list[tuple[int, int] | None]
    model: OffsetModel
    name_checks: int  # selections whose name could be compared with their text
    name_matches: int
    unclean: int  # boundaries inside a surrogate pair or a CRLF, or in the middle of a word


def _squash(text: str) -> str:
    return _WS_RE.sub(" ", text).strip()


def _name_matches(name: str, text: str) -> bool | None:
    """Whether a selection's name is its text (ATLAS.ti cuts long ones with '…'); None if it cannot tell."""
    name = _squash(name)
    if len(name) < 4:
        return None
    body = _squash(text)
    if name.endswith(("…", "...")):
        stem = name.rstrip(".…").rstrip()
        return body.startswith(stem) if len(stem) >= 4 else None
    return body == name


def _mid_word(text: str, pos: int) -> bool:
    return 0 < pos < len(text) and text[pos - 1].isalnum() and text[pos].isalnum()


def map_spans(raw: str, spans: list[Span], preferred: OffsetModel) -> Mapped:
    """Choose the offset model that fits the spans best (names that match their text, then boundaries that
    fall between characters and words), preferring the producer's own; map every span with it."""
    mapper = _Mapper(raw)
    if not spans:
        return Mapped(mapper.text, [], preferred, 0, 0, 0)
    candidates = [preferred] + [m for m in MODELS if m != preferred]
    if "\r" not in raw and not mapper.astral[True]:
        candidates = [preferred]  # every model counts the same here
    best: tuple[tuple[int, int, int, int], Mapped] | None = None
    first_out: Mapped | None = None
    for rank, model in enumerate(candidates):
        limit = mapper.units(model)
        mapped: list[tuple[int, int] | None] = []
        checks = matches = bad = words = 0
        for span in spans:
            if not (span.start >= 0 and span.end <= limit):
                mapped.append(None)
                continue
            start, ok1 = mapper.to_text(span.start, model)
            end, ok2 = mapper.to_text(span.end, model)
            bad += (not ok1) + (not ok2)
            words += _mid_word(mapper.text, start) + _mid_word(mapper.text, end)
            mapped.append((start, end))
            verdict = _name_matches(span.name, mapper.text[start:end]) if span.name else None
            if verdict is not None:
                checks += 1
                matches += verdict
        result = Mapped(mapper.text, mapped, model, checks, matches, bad + words)
        if any(m is None for m in mapped):
            first_out = first_out or result
            continue
        score = (-matches, bad, words, rank)
        if best is None or score < best[0]:
            best = (score, result)
    if best is None:
        assert first_out is not None
        return first_out
    return best[1]
