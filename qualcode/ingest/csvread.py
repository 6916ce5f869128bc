"""CSV files as spreadsheets write them: standard `"` quoting, comma, semicolon or tab, every row checked."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import compress

from qualcode.errors import InputError
from qualcode.ingest.common import decode_text

_DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


@dataclass(slots=True)
class _Parse:
    """One candidate reading of a CSV file: its records, or where it first went wrong."""

    delimiter: str
    records: list[list[str]]  # the fields of each record (blank lines left out)
    problem: str | None


def _lines(text: str) -> Iterator[str]:
    """The text's lines, each with its "\n" (the text is normalised: no other line break is left). Cheaper
    than io.StringIO, which copies the whole text first, and than splitlines, which also breaks at \x85."""
    start, end, find = 0, len(text), text.find
    while start < end:
        stop = find("\n", start) + 1 or end
        yield text[start:stop]
        start = stop


def _reader(text: str, delimiter: str) -> Iterator[list[str]]:
    return csv.reader(
        _lines(text),
        delimiter=delimiter,
        quotechar='"',
        doublequote=True,
        strict=True,
        skipinitialspace=False,
    )


def _parse_csv(text: str, delimiter: str, keep: bool = True) -> _Parse:
    """Read every record with standard double-quote quoting; note the first record whose field count differs
    from the header's, or a broken quote. Blank lines are skipped, nothing else is. Without `keep` only the
    header is kept: the file is checked without holding a copy of its records (a streamed import)."""
    try:
        if keep:
            records = list(filter(None, _reader(text, delimiter)))  # (a blank line reads as [])
            if records and set(map(len, records)) != {len(records[0])}:
                return _located(text, delimiter)
            return _Parse(delimiter, records, None)
        header: list[str] | None = None
        for fields in _reader(text, delimiter):
            if not fields:
                continue
            if header is None:
                header = fields
            elif len(fields) != len(header):
                return _located(text, delimiter)
        return _Parse(delimiter, [header] if header is not None else [], None)
    except csv.Error:
        return _located(text, delimiter)


def _located(text: str, delimiter: str) -> _Parse:
    """Read again record by record, counting lines, to say where the file first goes wrong."""
    reader = _reader(text, delimiter)
    records: list[list[str]] = []
    width = 0
    line = 1
    try:
        for fields in reader:
            start, line = line, reader.line_num + 1  # type: ignore[attr-defined]
            if not fields:
                continue
            if not records:
                width = len(fields)
            elif len(fields) != width:
                return _Parse(
                    delimiter,
                    records,
                    f"row {len(records) + 1} (line {start}) has {len(fields)} "
                    f"field(s) but the header has {width}",
                )
            records.append(fields)
    except csv.Error as exc:
        return _Parse(delimiter, records, f"row {len(records) + 1} (line {line}) has a broken quote ({exc})")
    return _Parse(delimiter, records, None)


def read_csv_records(data: bytes, name: str, delimiter: str | None = None) -> list[tuple[int, list[str]]]:
    """Every record of a CSV file, each with the header's number of fields, or an InputError saying which
    row is wrong (see `_choose`)."""
    return _numbered(_choose(decode_text(data, name), name, delimiter, keep=True).records)


def iter_csv_records(data: bytes, name: str, delimiter: str | None = None) -> Iterator[tuple[int, list[str]]]:
    """`read_csv_records` one record at a time: the whole file is checked first (an InputError before any
    record is returned), then read again lazily, so its records never sit in memory together."""
    text = decode_text(data, name)
    reader = _reader(text, _choose(text, name, delimiter, keep=False).delimiter)

    def records() -> Iterator[tuple[int, list[str]]]:
        for n, fields in enumerate(filter(None, reader), start=1):
            if "".join(fields).strip():
                yield n, fields

    return records()


def _choose(text: str, name: str, delimiter: str | None, keep: bool) -> _Parse:
    """The reading of the file with its separator, or an InputError saying which row is wrong. Quoting is
    always the standard `"` (doubled inside a field): guessing a quote character from the text, as
    csv.Sniffer does, cuts answers that contain apostrophes at their first comma.
    Without --delimiter, comma, semicolon and tab are each tried; the one that reads every row with the
    header's width (and at least two columns) wins; a tie is refused rather than guessed. Only the header is
    read with each separator first: the whole file is then read with the separators that split the header
    widest (usually just one), since a narrower reading can only win when every wider one fails."""
    if delimiter is not None:
        parse = _parse_csv(text, delimiter, keep)
        if parse.problem:
            raise InputError(
                f"{name}: read with {_DELIMITER_NAMES.get(delimiter, repr(delimiter))} as the "
                f"separator, {parse.problem}; nothing was imported"
            )
        return parse
    widths = {d: _header_width(text, d) for d in _DELIMITERS}
    wide = sorted((w for w in set(widths.values()) if w >= 2), reverse=True)
    best: _Parse | None = None  # the widest reading, for the error when no reading fits
    for width in wide:
        parses = [_parse_csv(text, d, keep) for d in _DELIMITERS if widths[d] == width]
        best = best or parses[0]
        good = [p for p in parses if not p.problem]
        if len(good) > 1:
            names = " or ".join(_DELIMITER_NAMES[p.delimiter] for p in good)
            raise InputError(f"{name}: the separator could be {names}; choose it with --delimiter")
        if good:
            return good[0]
    if best is not None:
        # The separator that splits the header most is the likeliest: report where it went wrong.
        raise InputError(
            f"{name}: read with {_DELIMITER_NAMES[best.delimiter]} as the separator, {best.problem}; "
            "nothing was imported (fix the file, or choose the separator with --delimiter)"
        )
    single = _parse_csv(text, _DELIMITERS[0], keep)
    if single.problem:
        raise InputError(f"{name}: {single.problem}; nothing was imported")
    return single


def _header_width(text: str, delimiter: str) -> int:
    """How many fields the first record has when read with this separator (0 if it has a broken quote)."""
    reader = csv.reader(_lines(text), delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
    try:
        for fields in reader:
            if fields:
                return len(fields)
    except csv.Error:
        return 0
    return 0


def _numbered(records: list[list[str]]) -> list[tuple[int, list[str]]]:
    """(row number, fields) of each record with any text; the header is row 1, as in a spreadsheet."""
    # "".join(fields).strip() is empty exactly when every field is blank.
    return list(compress(enumerate(records, start=1), map(str.strip, map("".join, records))))
