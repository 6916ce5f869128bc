"""Intercoder agreement without statistics libraries: units, who coded what on them, counts and verdicts."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# Krippendorff (2004, 2019): alpha >= .800 is reliable; .667 <= alpha < .800 supports tentative conclusions only.
ALPHA_RELIABLE = 0.800
ALPHA_TENTATIVE = 0.667

UNIT_KINDS: tuple[str, ...] = ("segment", "sentence")

# Words whose full stop does not end a sentence (titles and Latin abbreviations common in transcripts).
_ABBREVIATIONS = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "cllr",
        "rev",
        "e.g",
        "i.e",
        "etc",
        "vs",
        "cf",
        "approx",
        "no",
        "nb",
    }
)
# A sentence ends at . ! ? or … (plus any closing quotes/brackets) followed by white space; a line break always
# ends one, so list items and typed-up notes split where the writer broke the line.
_BOUNDARY = re.compile(r"[.!?…][\"'”’)\]]*[ \t]+|\n+")


@dataclass(frozen=True, slots=True)
class Unit:
    """A piece of text every coder is compared on: a segment, or one sentence of a segment."""

    document: str
    segment_id: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Span:
    """One coder's code on a span of a document."""

    document: str
    start: int
    end: int
    code: str
    coder: str
    coding_id: int = 0


def split_sentences(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence spans (start, end) of `text`, shifted by `offset`, without surrounding white space.

    A deliberately simple rule, documented in the README: a sentence ends after `.`, `!`, `?` or `…` (and any
    closing quote or bracket) followed by a space, unless the word before the stop is a common abbreviation
    (Mr., Dr., e.g., etc.) or a single letter (an initial); a line break always ends a sentence.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if match.group(0)[0] != "\n":
            word = text[start : match.end()].split()[-1]
            stem = word.rstrip(".!?…\"'”’)]").lower()
            if word.rstrip("\"'”’)]").endswith(".") and (stem in _ABBREVIATIONS or len(stem) <= 1):
                continue
        _add_trimmed(spans, text, start, match.end(), offset)
        start = match.end()
    _add_trimmed(spans, text, start, len(text), offset)
    return spans


def _add_trimmed(spans: list[tuple[int, int]], text: str, start: int, end: int, offset: int) -> None:
    piece = text[start:end]
    if piece.strip():
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece) - len(piece.rstrip())
        spans.append((offset + start + lead, offset + end - trail))


def make_units(segments: Iterable[tuple[str, int, int, int, str]], kind: str) -> list[Unit]:
    """Units from segments given as (document, segment id, start, end, text)."""
    if kind not in UNIT_KINDS:
        raise ValueError(f"unit must be one of {', '.join(UNIT_KINDS)}")
    units: list[Unit] = []
    for document, segment_id, start, end, text in segments:
        if kind == "segment":
            units.append(Unit(document, segment_id, start, end))
        else:
            units.extend(
                Unit(document, segment_id, s, e) for s, e in split_sentences(text, start) if e <= end
            )
    return units


def codes_on_units(units: Sequence[Unit], spans: Iterable[Span]) -> dict[str, dict[int, set[str]]]:
    """coder -> unit index -> the codes whose span overlaps that unit (a span covers every unit it touches)."""
    by_doc: dict[str, list[tuple[int, int, int]]] = {}
    for i, unit in enumerate(units):
        by_doc.setdefault(unit.document, []).append((unit.start, unit.end, i))
    for rows in by_doc.values():
        rows.sort()
    starts = {doc: [r[0] for r in rows] for doc, rows in by_doc.items()}
    # Segments may overlap (an importer or a REFI project can make them so): reach[j] is the furthest end of
    # units 0..j, so the walk back stops only when no earlier unit can still reach the span.
    reach: dict[str, list[int]] = {}
    for doc, rows in by_doc.items():
        furthest, ends = -1, []
        for _, end, _ in rows:
            furthest = max(furthest, end)
            ends.append(furthest)
        reach[doc] = ends
    result: dict[str, dict[int, set[str]]] = {}
    for span in spans:
        doc_rows = by_doc.get(span.document)
        if not doc_rows:
            continue
        j = (
            bisect.bisect_left(starts[span.document], span.end) - 1
        )  # every unit from j back starts before its end
        doc_reach = reach[span.document]
        while j >= 0 and doc_reach[j] > span.start:
            if doc_rows[j][1] > span.start:
                result.setdefault(span.coder, {}).setdefault(doc_rows[j][2], set()).add(span.code)
            j -= 1
    return result


@dataclass(slots=True)
class Counts:
    """The numbers behind the statistics for one code (or pooled over codes)."""

    units: int = 0
    all_present: int = 0
    all_absent: int = 0
    disagreements: int = 0

    @property
    def percent_agreement(self) -> float | None:
        if not self.units:
            return None
        return 100.0 * (self.all_present + self.all_absent) / self.units


def count_patterns(patterns: Mapping[tuple[int, ...], int], coders: int) -> Counts:
    """Counts for 0/1 ratings given as column patterns (one rating per coder) -> number of units."""
    counts = Counts()
    for column, n in patterns.items():
        counts.units += n
        total = sum(column)
        if total == coders:
            counts.all_present += n
        elif total == 0:
            counts.all_absent += n
        else:
            counts.disagreements += n
    return counts


def reliability_flag(alpha: float | None) -> str:
    """Krippendorff's reading of alpha: reliable, tentative, unreliable, or undefined when there is none."""
    if alpha is None:
        return "undefined"
    if alpha >= ALPHA_RELIABLE:
        return "reliable"
    if alpha >= ALPHA_TENTATIVE:
        return "tentative"
    return "unreliable"


def single_category_reason_of(patterns: Mapping[tuple[int, ...], int], coders: int) -> str | None:
    """Why kappa and alpha are undefined for ratings given as column patterns -> units, or None when they are
    defined."""
    values = {v for column, n in patterns.items() if n for v in column}
    if coders == 0 or not any(patterns.values()):
        return "no units to compare"
    if values == {0}:
        return "no coder applied this code to any unit: only one category, so kappa and alpha are undefined"
    if values == {1}:
        return (
            "every coder applied this code to every unit: only one category, so kappa and alpha are undefined"
        )
    return None
