"""Open survey importer (.csv / .xlsx): one row per respondent, each non-empty answer a segment."""

from __future__ import annotations

import io
from pathlib import Path

from qualcode.core.models import ParsedDocument, ParsedSegment
from qualcode.core.survey import SurveyData, SurveyRespondent
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
    text_cols = set(text_columns)

    # Rows grouped by source type: one document per type found (just one without --source-type-column).
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    seen_ids: dict[tuple[str, str], int] = {}
    all_rows: list[tuple[int, dict[str, str]]] = []
    default_type = check_source_type(options.source_type or "survey")
    for n, row in rows:
        if len(row) > len(headers) and any(c.strip() for c in row[len(headers) :]):
            raise InputError(
                f"{name}: row {n} has {len(row)} cells but the header has {len(headers)}; nothing was imported"
            )
        # Answers keep their own spacing in the document (a segment covers the answer without it);
        # ids, types and attributes are trimmed.
        if len(row) < len(headers):
            row = row + [""] * (len(headers) - len(row))
        # Most cells are plain printable text, which normalise_text would return unchanged: skip it for them.
        cells = {
            h: c if h in text_cols else c.strip()
            for h, c in zip(headers, (c if c.isprintable() else normalise_text(c) for c in row), strict=False)
        }
        rid = cells[id_col]
        if not rid:
            raise InputError(f"{name}: row {n} has no {id_col!r}")
        row_wave = cells[wave_col] if wave_col else (wave or "")
        if wave_col and not row_wave:
            raise InputError(f"{name}: row {n}, column {wave_col!r}: no wave given; nothing was imported")
        if (rid, row_wave) in seen_ids:
            also = f" in wave {row_wave!r}" if wave_col else ""
            raise InputError(
                f"{name}: respondent id {rid!r} appears twice{also} (rows {seen_ids[rid, row_wave]} and {n})"
            )
        seen_ids[rid, row_wave] = n
        stype = check_source_type(cells[type_col] or "", f"{name} row {n}") if type_col else default_type
        groups.setdefault(stype, []).append((n, cells))
        all_rows.append((n, cells))

    if spec is not None:
        questions = spec.questions
    else:
        questions, note = infer_questions(closed, all_rows)
        if note:
            notes.append(note)
    scales = {q.key: {o.casefold(): o for o in q.options} for q in questions if q.type == "likert"}
    base = options.name or path.stem
    instrument = options.instrument or (spec.instrument if spec else None) or base
    digest = sha256(data)
    docs = []
    for stype, members in groups.items():
        parts: list[str] = []
        segments: list[ParsedSegment] = []
        cases: dict[str, dict[str, str]] = {}
        respondents: list[SurveyRespondent] = []
        pos = 0
        for n, cells in members:
            case = f"{options.case_prefix}-{cells[id_col]}" if options.case_prefix else cells[id_col]
            cases[case] = {
                **cases.get(case, {}),
                **options.attributes,
                **{a: cells[a] for a in attr_cols if cells[a]},
            }
            answers = {}
            for q in questions:
                # A blank single-column answer is no answer: the common case, decided without a call.
                if len(q.columns) == 1 and not cells[q.columns[0]]:
                    continue
                given = answers_of(q, cells, n, name, scales.get(q.key))
                if given:
                    answers[q.key] = given
            respondents.append(
                SurveyRespondent(case, cells[wave_col] if wave_col else (wave or ""), n, answers)
            )
            for col in text_columns:
                answer = cells[col]
                if not answer.strip():
                    continue
                heading = f"{cells[id_col]} | {col}\n"
                start = pos + len(heading)
                lead = len(answer) - len(answer.lstrip())
                trail = len(answer) - len(answer.rstrip())
                segments.append(
                    ParsedSegment(start + lead, start + len(answer) - trail, case=case, question=col)
                )
                parts.append(heading + answer)
                pos = start + len(answer) + 2
        if not segments and spec is None:
            raise InputError(f"{name}: every answer in the text column(s) is blank")
        doc_name = base if len(groups) == 1 else f"{base}-{stype}"
        # Each document of a split file gets its own content hash, so re-importing is still detected.
        doc_hash = digest if len(groups) == 1 else sha256(f"{digest}:{stype}".encode())
        docs.append(
            ParsedDocument(
                doc_name,
                stype,
                "\n\n".join(parts),
                segments,
                path.name,
                doc_hash,
                cases,
                warnings=list(notes),
                survey=SurveyData(instrument, questions, respondents),
                participants=options.participants,
            )
        )
    return docs
