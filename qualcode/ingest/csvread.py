"""CSV files as spreadsheets write them: standard `"` quoting, comma, semicolon or tab, every row checked."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from qualcode.errors import InputError
from qualcode.ingest.common import decode_text

_DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


@dataclass(slots=True)
class _Parse:
    """One candidate reading of a CSV file: its records, or where it first went wrong."""

    delimiter: str
    records: list[
        tuple[int, list[str]]
    ]  # (line where the record starts, fields); the header only unless kept
    problem: str | None
    count: int = 0  # records read (all of them, kept or not)


# A line with its ending, as a file opened with newline="" reads it (\r\n, \r or \n, kept).
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+\Z")


def _reader(text: str, delimiter: str) -> Any:
    """A csv reader over the text's lines, taken one by one (io.StringIO would copy the text, four bytes a
    character)."""
    return csv.reader(
        (m.group() for m in _LINE.finditer(text)),
        delimiter=delimiter,
        quotechar='"',
        doublequote=True,
        strict=True,
        skipinitialspace=False,
    )


def _parse_csv(text: str, delimiter: str, keep: bool = True) -> _Parse:
    """Read every record with standard double-quote quoting; note the first record whose field count differs
    from the header's, or a broken quote. Blank lines are skipped, nothing else is. Without `keep` only the
    header is kept (a candidate separator is checked without holding a copy of the file)."""
    reader = _reader(text, delimiter)
    records: list[tuple[int, list[str]]] = []
    width = count = 0
    line = 1
    try:
        for fields in reader:
            start, line = line, reader.line_num + 1
            if not fields:
                continue
            if not count:
                width = len(fields)
            elif len(fields) != width:
                return _Parse(
                    delimiter,
                    records,
                    f"row {count + 1} (line {start}) has {len(fields)} field(s) but the header has {width}",
                    count,
                )
            if keep or not count:
                records.append((start, fields))
            count += 1
    except csv.Error as exc:
        return _Parse(delimiter, records, f"row {count + 1} (line {line}) has a broken quote ({exc})", count)
    return _Parse(delimiter, records, None, count)


def read_csv_records(data: bytes, name: str, delimiter: str | None = None) -> list[tuple[int, list[str]]]:
    """Every record of a CSV file, each with the header's number of fields (see `_separator`)."""
    text = decode_text(data, name)
    return _numbered(_parse_csv(text, _separator(text, name, delimiter)).records)


def iter_csv_records(data: bytes, name: str, delimiter: str | None = None) -> Iterator[tuple[int, list[str]]]:
    """`read_csv_records` one record at a time: the file is checked whole first (an InputError before any
    record), then read again record by record, so its records never sit in memory together."""
    text = decode_text(data, name)
    reader = _reader(text, _separator(text, name, delimiter))  # the check, before anything is returned

    def records() -> Iterator[tuple[int, list[str]]]:
        for n, fields in enumerate((f for f in reader if f), start=1):
            if any(c.strip() for c in fields):
                yield n, fields

    return records()


def _separator(text: str, name: str, delimiter: str | None = None) -> str:
    """The separator that reads every record of a CSV file with the header's number of fields, or an
    InputError saying which row is wrong. Quoting is always the standard `"` (doubled inside a field):
    guessing a quote character from the text, as csv.Sniffer does, cuts answers that contain apostrophes at their first comma.
    Without --delimiter, comma, semicolon and tab are each tried; the one that reads every row with the
    header's width (and at least two columns) wins; a tie is refused rather than guessed."""
    if delimiter is not None:
        parse = _parse_csv(text, delimiter, keep=False)
        if parse.problem:
            raise InputError(
                f"{name}: read with {_DELIMITER_NAMES.get(delimiter, repr(delimiter))} as the "
                f"separator, {parse.problem}; nothing was imported"
            )
        return delimiter
    parses = [_parse_csv(text, d, keep=False) for d in _DELIMITERS]
    good = [p for p in parses if not p.problem and p.records and len(p.records[0][1]) >= 2]
    if not good:
        wide = [p for p in parses if p.records and len(p.records[0][1]) >= 2]
        if not wide:
            single = parses[0]
            if single.problem:
                raise InputError(f"{name}: {single.problem}; nothing was imported")
            return single.delimiter
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
    return best_parses[0].delimiter


def _numbered(records: list[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
    """(row number, fields) of each record with any text; the header is row 1, as in a spreadsheet."""
    return [(n, fields) for n, (_, fields) in enumerate(records, start=1) if any(c.strip() for c in fields)]
