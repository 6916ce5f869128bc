"""Open survey importer (.csv / .xlsx): one row per respondent, each non-empty answer a segment."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from itertools import chain
from pathlib import Path
from typing import Any, TypeVar

from qualcode.core.models import CaseTable, ParsedDocument, SegmentTable
from qualcode.core.survey import SurveyData, SurveyQuestion, answer_json
from qualcode.errors import InputError
from qualcode.ingest.common import (
    ImportOptions,
    check_source_type,
    normalise_text,
    open_zip,
    sha256,
)
from qualcode.ingest.csvread import read_csv_records
from qualcode.ingest.survey_spec import answers_of, check_columns, infer_questions

T = TypeVar("T")

_ID_GUESSES = (
    "respondent_id",
    "respondent id",
    "respondentid",
    "respondent",
    "response id",
    "responseid",
    "id",
)


def read_xlsx_records(data: bytes, name: str, sheet: str | None) -> list[tuple[int, list[str]]]:
    import openpyxl  # deferred: only needed for Excel files
    from openpyxl.utils.exceptions import InvalidFileException

    open_zip(data, name).close()
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, KeyError, ValueError, OSError, TypeError) as exc:
        raise InputError(f"{name}: not a readable Excel workbook ({type(exc).__name__})") from None
    try:
        if sheet is not None:
            if sheet not in wb.sheetnames:
                raise InputError(f"{name}: no sheet named {sheet!r} (sheets: {', '.join(wb.sheetnames)})")
            ws = wb[sheet]
        else:
            ws = wb.worksheets[0]
        rows = []
        for n, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [
                "" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
                for v in values
            ]
            # As a CSV file's text is when decoded: LF line endings, no stray control characters.
            cells = [c if c.isprintable() else normalise_text(c) for c in cells]
            if any(c.strip() for c in cells):
                rows.append((n, cells))
        return rows
    finally:
        wb.close()


def _headers(row: list[str], name: str) -> list[str]:
    headers = [h.strip() or f"column {i + 1}" for i, h in enumerate(row)]
    seen: set[str] = set()
    for h in headers:
        if h in seen:
            raise InputError(f"{name}: two columns are both called {h!r}")
        seen.add(h)
    return headers


def _need(column: str, headers: list[str], name: str, what: str) -> None:
    if column not in headers:
        raise InputError(f"{name}: no {what} column {column!r} (columns: {', '.join(headers)})")


_SURVEYMONKEY_SUBHEADS = {"response", "open-ended response"}


def export_headers(rows: list[tuple[int, list[str]]]) -> tuple[list[str], int, list[str]]:
    """The column names, how many rows the header takes, and a note on what was recognised.

    Qualtrics writes two more header rows (the question text, then `{"ImportId": ...}`); SurveyMonkey writes
    the question on row 1 (once for a group of columns) and `Response`, `Open-Ended Response` or the option on
    row 2. Both are folded into one header so that no header row is read as a respondent."""
    first = [h.strip() for h in rows[0][1]]
    if len(rows) >= 3:
        third = [c.strip() for c in rows[2][1] if c.strip()]
        if third and all(c.startswith('{"ImportId"') for c in third):
            return (
                first,
                3,
                [
                    "Qualtrics export: its question-text and ImportId rows (2 and 3) are headers, not respondents"
                ],
            )
    if len(rows) >= 2:
        second = [c.strip() for c in rows[1][1]]
        if any(c.lower() in _SURVEYMONKEY_SUBHEADS for c in second):
            headers: list[str] = []
            title = ""
            for top, sub in zip(first, second + [""] * (len(first) - len(second)), strict=False):
                title = top or title
                headers.append(
                    top
                    if (not sub or sub.lower() in _SURVEYMONKEY_SUBHEADS) and top
                    else f"{title} - {sub}"
                    if title
                    else sub
                )
            return (
                headers,
                2,
                [
                    "SurveyMonkey export: row 2 (Response / Open-Ended Response / options) is part of the header"
                ],
            )
    return first, 1, []


def read_survey(path: Path, data: bytes, options: ImportOptions) -> list[ParsedDocument]:
    """The survey column by column: each check and each distinct answer is worked out once per column, not
    once per cell, so a 100,000-row file costs a few passes over lists (the first problem found is then
    reported exactly as a row-by-row reading would: same row, same message)."""
    name = path.name
    if path.suffix.lower() == ".xlsx":
        rows = read_xlsx_records(data, name, options.sheet)
    else:
        rows = read_csv_records(data, name, options.delimiter)
    if len(rows) < 2:
        raise InputError(f"{name}: needs a header row and at least one respondent")
    raw_headers, header_rows, notes = export_headers(rows)
    headers = _headers(raw_headers, name)
    rows = rows[header_rows:]
    if not rows:
        raise InputError(f"{name}: needs a header row and at least one respondent")
    spec = options.spec
    id_col = options.id_column or (spec.id_column if spec else None)
    if id_col is None:
        lowered = {h.lower(): h for h in headers}
        id_col = next((lowered[g] for g in _ID_GUESSES if g in lowered), None)
        if id_col is None:
            raise InputError(
                f"{name}: choose the respondent id column with --id-column (columns: {', '.join(headers)})"
            )
    _need(id_col, headers, name, "id")
    text_columns = list(options.text_columns) or (list(spec.text_columns) if spec else [])
    if not text_columns and spec is None:
        raise InputError(
            f"{name}: choose the open-text columns with --text-column (columns: {', '.join(headers)})"
        )
    for col in text_columns:
        _need(col, headers, name, "text")
    type_col = options.source_type_column
    if type_col:
        _need(type_col, headers, name, "source type")
    wave = (
        options.wave
        if options.wave is not None
        else (spec.wave if spec and not options.wave_column else None)
    )
    wave_col = options.wave_column or (spec.wave_column if spec and options.wave is None else None)
    if wave is not None and wave_col:
        raise InputError("give --wave or --wave-column, not both")
    if wave_col:
        _need(wave_col, headers, name, "wave")
    skip = {id_col, type_col, wave_col, *text_columns}
    closed = [h for h in headers if h not in skip]
    if spec is not None:
        check_columns(spec, headers, name)
        for q in spec.questions:
            clash = next((c for c in q.columns if c in skip), None)
            if clash:
                raise InputError(
                    f"{name}: column {clash!r} is the id, wave, source type or an open-text column, "
                    f"so it cannot also be question {q.key!r}"
                )
        in_questions = {c for q in spec.questions for c in q.columns}
        # Columns the spec does not ask about stay case attributes, and so do single-choice answers unless the
        # spec says `attribute: false` (so that themes and matrices can still be split by them).
        attr_cols = [h for h in closed if h not in in_questions or h in spec.attribute_columns]
    else:
        attr_cols = closed

    table = _Columns(headers, rows, set(text_columns))
    default_type = check_source_type(options.source_type or "survey")
    ids = table[id_col]
    waves = table[wave_col] if wave_col else [wave or ""] * len(rows)
    types = table[type_col] if type_col else None
    stypes = _row_types(types, default_type)
    if (
        table.ragged
        or "" in ids
        or (wave_col and "" in waves)
        or len(set(zip(ids, waves, strict=True)) if wave_col else set(ids)) != len(ids)
        or stypes is None
    ):
        _first_row_problem(headers, rows, table, id_col, wave_col, type_col, name)
    # Rows grouped by source type: one document per type found (just one without --source-type-column).
    groups: dict[str, list[int]] = {}
    if types is not None and stypes is not None:
        for i, stype in enumerate(stypes):
            groups.setdefault(stype, []).append(i)

    if spec is not None:
        questions = spec.questions
    else:
        questions, note = infer_questions({c: table[c] for c in closed})
        if note:
            notes.append(note)
    answers = _answers(questions, table, name, groups)
    base = options.name or path.stem
    instrument = options.instrument or (spec.instrument if spec else None) or base
    digest = sha256(data)
    names = [f"{options.case_prefix}-{i}" for i in ids] if options.case_prefix else ids
    texts = [table[c] for c in text_columns]
    docs = []
    parts: list[tuple[str, list[int] | None]] = list(groups.items()) or [(default_type, None)]
    for stype, members in parts:
        pick = _picker(members)
        g_ids, g_names = pick(ids), pick(names)
        text, segments = _open_answers(g_ids, g_names, text_columns, [pick(t) for t in texts])
        if not segments and spec is None:
            raise InputError(f"{name}: every answer in the text column(s) is blank")
        doc_name = base if len(parts) == 1 else f"{base}-{stype}"
        # Each document of a split file gets its own content hash, so re-importing is still detected.
        doc_hash = digest if len(parts) == 1 else sha256(f"{digest}:{stype}".encode())
        survey = SurveyData(instrument, questions, g_names, pick(waves), pick(table.numbers), pick(answers))
        docs.append(
            ParsedDocument(
                doc_name,
                stype,
                text,
                segments,
                path.name,
                doc_hash,
                _cases(g_names, {a: pick(table[a]) for a in attr_cols}, options.attributes),
                warnings=list(notes),
                survey=survey,
                participants=options.participants,
            )
        )
    return docs


class _Columns:
    """The respondents' cells column by column (closed cells trimmed, open answers as written), each column
    made when first asked for; rows a spreadsheet left short are padded with blanks."""

    def __init__(self, headers: list[str], rows: list[tuple[int, list[str]]], text_cols: set[str]) -> None:
        width = len(headers)
        numbers, fields = zip(*rows, strict=True)
        self.numbers: list[int] = list(numbers)
        records: Sequence[list[str]] = fields
        # Only an .xlsx row can be short or long (a CSV row of another width is refused when read).
        self.ragged = False
        if set(map(len, records)) != {width}:
            self.ragged = any(len(r) > width and "".join(r[width:]).strip() for r in records)
            records = [r[:width] if len(r) > width else r + [""] * (width - len(r)) for r in records]
        self._raw = dict(zip(headers, zip(*records, strict=True), strict=True))
        self._text_cols = text_cols
        self._made: dict[str, list[str]] = {}

    def raw(self, column: str) -> tuple[str, ...]:
        """The column's cells as read, untrimmed (a question's distinct values are trimmed once each)."""
        return self._raw[column]

    def __getitem__(self, column: str) -> list[str]:
        values = self._made.get(column)
        if values is None:
            raw = self._raw[column]
            values = self._made[column] = list(raw if column in self._text_cols else map(str.strip, raw))
        return values


def _row_types(types: list[str] | None, default: str) -> list[str] | None:
    """Each row's source type (all the default without a type column), or None when one is not a known type
    (the row-by-row check then says where)."""
    if types is None:
        return [default]
    known = {}
    for value in set(types):
        try:
            known[value] = check_source_type(value or "")
        except InputError:
            return None
    return [known[v] for v in types]


def _first_row_problem(
    headers: list[str],
    rows: list[tuple[int, list[str]]],
    table: _Columns,
    id_col: str,
    wave_col: str | None,
    type_col: str | None,
    name: str,
) -> None:
    """Raise the first row problem (a row too long, no id, no wave, an id twice, an unknown source type),
    checking rows in order as they are read; called only when the column checks found one."""
    seen_ids: dict[tuple[str, str], int] = {}
    ids = table[id_col]
    waves = table[wave_col] if wave_col else None
    types = table[type_col] if type_col else None
    for i, (n, row) in enumerate(rows):
        if len(row) > len(headers) and any(c.strip() for c in row[len(headers) :]):
            raise InputError(
                f"{name}: row {n} has {len(row)} cells but the header has {len(headers)}; nothing was imported"
            )
        rid = ids[i]
        if not rid:
            raise InputError(f"{name}: row {n} has no {id_col!r}")
        row_wave = waves[i] if waves is not None else ""
        if wave_col and not row_wave:
            raise InputError(f"{name}: row {n}, column {wave_col!r}: no wave given; nothing was imported")
        if (rid, row_wave) in seen_ids:
            also = f" in wave {row_wave!r}" if wave_col else ""
            raise InputError(
                f"{name}: respondent id {rid!r} appears twice{also} (rows {seen_ids[rid, row_wave]} and {n})"
            )
        seen_ids[rid, row_wave] = n
        if types is not None:
            check_source_type(types[i] or "", f"{name} row {n}")
    raise AssertionError("a row problem was found by column but not row by row")


def _picker(members: list[int] | None) -> Callable[[list[T]], list[T]]:
    """Select one group's rows from a column (all rows when there is one group)."""
    if members is None:
        return lambda values: values
    return lambda values: [values[i] for i in members]


def _answers(
    questions: list[SurveyQuestion], table: _Columns, name: str, groups: dict[str, list[int]]
) -> list[str]:
    """Each row's closed answers as its stored JSON object. Each distinct value of a question (a ranking:
    each distinct combination of ranks) is checked and encoded once; a bad one is reported at its first row."""
    rows = len(table.numbers)
    if not questions:
        return ["{}"] * rows
    scales = {q.key: {o.casefold(): o for o in q.options} for q in questions if q.type == "likert"}
    keyed: list[Sequence[Any]] = []
    encoded: list[dict[Any, str]] = []
    bad: dict[int, set[Any]] = {}
    for qi, q in enumerate(questions):
        ranking = q.type == "ranking"
        values: Sequence[Any] = (
            list(zip(*(table.raw(c) for c in q.columns), strict=True)) if ranking else table.raw(q.columns[0])
        )
        codes: dict[Any, str] = {}
        for value in set(values):
            cells = (
                {c: v.strip() for c, v in zip(q.columns, value, strict=True)}
                if ranking
                else {q.columns[0]: value.strip()}
            )
            try:
                given = answers_of(q, cells, 0, name, scales.get(q.key))
            except InputError:
                bad.setdefault(qi, set()).add(value)
                continue
            codes[value] = answer_json(q.key, dict(given) if ranking else given[0][1]) if given else ""
        keyed.append(values)
        encoded.append(codes)
    if bad:
        order = chain.from_iterable(groups.values()) if groups else range(rows)
        for i in order:
            for qi in bad:
                if keyed[qi][i] in bad[qi]:
                    q = questions[qi]
                    cells = {c: table[c][i] for c in q.columns}
                    answers_of(q, cells, table.numbers[i], name, scales.get(q.key))  # raises
        raise AssertionError("a bad answer was found by value but not row by row")
    parts = [map(codes.__getitem__, values) for codes, values in zip(encoded, keyed, strict=True)]
    return ["{" + "".join(answers)[1:] + "}" for answers in zip(*parts, strict=True)]


def _open_answers(
    ids: list[str], cases: list[str], columns: list[str], texts: list[list[str]]
) -> tuple[str, SegmentTable]:
    """The document (each non-blank open answer under an `id | question` heading) and its segments, each
    covering its answer without the answer's surrounding spacing (which the document keeps)."""
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    owners: list[str] = []
    questions: list[str] = []
    if not columns:
        return "", SegmentTable(starts, ends, owners, questions)
    pos = 0
    for rid, case, answers in zip(ids, cases, zip(*texts, strict=True), strict=True):
        for col, answer in zip(columns, answers, strict=True):
            words = answer.strip()
            if not words:
                continue
            heading = f"{rid} | {col}\n"
            start = pos + len(heading)
            if len(words) != len(answer):
                start += len(answer) - len(answer.lstrip())
            starts.append(start)
            ends.append(start + len(words))
            owners.append(case)
            questions.append(col)
            parts.append(heading + answer)
            pos = pos + len(heading) + len(answer) + 2
    return "\n\n".join(parts), SegmentTable(starts, ends, owners, questions)


def _cases(
    names: list[str], columns: dict[str, list[str]], common: dict[str, str]
) -> CaseTable | dict[str, dict[str, str]]:
    """The respondents' cases with their attributes (a blank cell is none; --attr values go to every case).
    A respondent in several waves of one file is one case: its later non-blank values win."""
    if len(set(names)) == len(names):
        return CaseTable(names, columns, common)
    cases: dict[str, dict[str, str]] = {}
    for i, case in enumerate(names):
        cases[case] = {
            **cases.get(case, {}),
            **common,
            **{a: values[i] for a, values in columns.items() if values[i]},
        }
    return cases
