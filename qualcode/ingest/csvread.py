"""CSV files as spreadsheets write them: standard `"` quoting, comma, semicolon or tab, every row checked."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from qualcode.errors import InputError
from qualcode.ingest.common import decode_text

_DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


@dataclass(slots=True)
class _Parse:
    """One candidate reading of a CSV file: its records, or where it first went wrong."""

    delimiter: str
    records: list[tuple[int, list[str]]]  # (line where the record starts, fields)
    problem: str | None


def _parse_csv(text: str, delimiter: str) -> _Parse:
    """Read every record with standard double-quote quoting; note the first record whose field count differs
    from the header's, or a broken quote. Blank lines are skipped, nothing else is."""
    reader = csv.reader(
        io.StringIO(text, newline=""),
        delimiter=delimiter,
        quotechar='"',
        doublequote=True,
        strict=True,
        skipinitialspace=False,
    )
    records: list[tuple[int, list[str]]] = []
    width = 0
    line = 1
    try:
        for fields in reader:
            start, line = line, reader.line_num + 1
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
            records.append((start, fields))
    except csv.Error as exc:
        return _Parse(delimiter, records, f"row {len(records) + 1} (line {line}) has a broken quote ({exc})")
    return _Parse(delimiter, records, None)


def _header_width(text: str, delimiter: str) -> int:
    """How many fields the first record has when read with `delimiter` (0 if it cannot be read)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=True)
    try:
        for fields in reader:
            if fields:
                return len(fields)
    except csv.Error:
        return 0
    return 0


def read_csv_records(data: bytes, name: str, delimiter: str | None = None) -> list[tuple[int, list[str]]]:
    """Every record of a CSV file, each with the header's number of fields, or an InputError saying which
    row is wrong. Quoting is always the standard `"` (doubled inside a field): guessing a quote character
    from the text, as csv.Sniffer does, cuts answers that contain apostrophes at their first comma.
    Without --delimiter, comma, semicolon and tab are each tried; the one that reads every row with the
    header's width (and at least two columns) wins; a tie is refused rather than guessed."""
    text = decode_text(data, name)
    if delimiter is not None:
        parse = _parse_csv(text, delimiter)
        if parse.problem:
            raise InputError(
                f"{name}: read with {_DELIMITER_NAMES.get(delimiter, repr(delimiter))} as the "
                f"separator, {parse.problem}; nothing was imported"
            )
        return _numbered(parse.records)
    # Only a separator that splits the header in two or more can win (or be blamed): the others are not read
    # further than their first record (comma always is, to report on a one-column file).
    parses = [_parse_csv(text, d) for d in _DELIMITERS if d == "," or _header_width(text, d) >= 2]
    good = [p for p in parses if not p.problem and p.records and len(p.records[0][1]) >= 2]
    if not good:
        wide = [p for p in parses if p.records and len(p.records[0][1]) >= 2]
        if not wide:
            single = parses[0]
            if single.problem:
                raise InputError(f"{name}: {single.problem}; nothing was imported")
            return _numbered(single.records)
        # The separator that splits the header most is the likeliest: report where it went wrong.
        best = max(wide, key=lambda p: len(p.records[0][1]))
        raise InputError(
            f"{name}: read with {_DELIMITER_NAMES[best.delimiter]} as the separator, {best.problem}; "
            "nothing was imported (fix the file, or choose the separator with --delimiter)"
        )
    widest = max(len(p.records[0][1]) for p in good)
    best_parses = [p for p in good if len(p.records[0][1]) == widest]
    if len(best_parses) > 1:
        names = " or ".join(_DELIMITER_NAMES[p.delimiter] for p in best_parses)
        raise InputError(f"{name}: the separator could be {names}; choose it with --delimiter")
    return _numbered(best_parses[0].records)


def _numbered(records: list[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
    """(row number, fields) of each record with any text; the header is row 1, as in a spreadsheet."""
    return [(n, fields) for n, (_, fields) in enumerate(records, start=1) if any(c.strip() for c in fields)]
