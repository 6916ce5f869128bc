"""Excel writer (openpyxl, write-only for speed): an About sheet, then one sheet per table."""

from __future__ import annotations

import io
import math
import re
from copy import copy
from typing import Any

from qualcode.core.reportdoc import ReportDoc, Table, cell_plain
from qualcode.export.cells import spreadsheet_safe

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_WIDTH_SAMPLE = 300  # rows looked at to size columns: enough to be right, cheap on 20,000-row sheets
_MAX_WIDTH = 70
_HEADER_WIDTH = 14
_CELL_LIMIT = 32767  # Excel's longest cell


def sheet_name(key: str, used: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub("-", key)[:31] or "table"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def _value(cell: Any) -> Any:
    value = spreadsheet_safe(cell_plain(cell))
    if isinstance(value, str) and len(value) > _CELL_LIMIT:
        value = value[: _CELL_LIMIT - 1] + "\u2026"
    return value


def _widths(table: Table, rows: list[list[Any]]) -> list[float]:
    widths = []
    for j, column in enumerate(table.columns):
        longest = min(
            len(column) + 2, _HEADER_WIDTH
        )  # a long header wraps rather than widen a column of numbers
        for row in rows[:_WIDTH_SAMPLE]:
            value = row[j]
            if value is not None:
                longest = max(longest, max((len(line) for line in str(value).split("\n")), default=0) + 2)
        widths.append(float(min(longest, _MAX_WIDTH)))
    return widths


_LINE_POINTS = 15.0  # one line of 11-point Calibri, as Excel and LibreOffice lay it out
_MAX_ROW_POINTS = 409.0  # Excel's tallest row
_PORTRAIT_CHARS = 110  # total column width (in characters) that still prints legibly on A4 portrait
_PAGE_CHARS = 300  # the most that prints legibly across one landscape page (at about a third of full size)
_GRID_COLUMNS = 15  # more columns than this is a grid (a matrix), which may print across several pages


def row_height(values: list[Any], widths: list[float], wrapped: set[int]) -> float | None:
    """An explicit height for a row with wrapped cells: the lines its tallest cell needs at its column's
    width (a little generous: too tall is untidy, too short hides evidence). Neither Excel nor LibreOffice
    can be relied on to size such rows itself when opening a file, so both are told."""
    lines = 1
    for j in wrapped:
        value = values[j] if j < len(values) else None
        if value is None:
            continue
        per_line = max(1, int(widths[j] * 1.1) - 2)
        lines = max(lines, sum(max(1, -(-len(part) // per_line)) for part in str(value).split("\n")))
    if lines == 1:
        return None
    return min(_MAX_ROW_POINTS, round(lines * _LINE_POINTS + 3, 1))


def print_setup(ws: Any, widths: list[float], title_rows: str | None = "1:1") -> None:
    """Printable as is: A4, the header row repeated on every page, fitted to the page width (as many pages
    down as needed), landscape when the columns are wide, and the sheet name and page number in the footer.
    A grid too wide to read on one page (a code-by-code matrix: many narrow columns) spreads over a few pages
    across, each repeating the first column; a table of text keeps each row whole on one page."""
    ws.page_setup.paperSize = 9  # A4
    total = sum(widths)
    ws.page_setup.orientation = "landscape" if total > _PORTRAIT_CHARS else "portrait"
    across = max(1, math.ceil(total / _PAGE_CHARS)) if len(widths) > _GRID_COLUMNS else 1
    ws.page_setup.fitToWidth = across
    if across > 1 and title_rows:
        ws.print_title_cols = "A:A"
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = "&A \u2014 page &P of &N"


def render_xlsx(doc: ReportDoc) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    used: set[str] = set()
    header_font, header_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="0B4F7A")
    group_font, group_fill = Font(bold=True), PatternFill("solid", fgColor="E8F0F6")
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")

    about = wb.create_sheet(sheet_name("About", used))
    about_widths = [28.0, 100.0]
    print_setup(
        about, about_widths, title_rows=None
    )  # before the first row: write-only sheets start writing then
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 100
    title = WriteOnlyCell(about, _value(doc.title))
    title.font = Font(bold=True, size=14)
    about.append([title])
    for label, value in doc.provenance.lines():
        about.append([_value(label), _value(value)])
    tables = doc.tables()
    names = [sheet_name(t.key, used) for t in tables]
    about.append([])
    about.append([WriteOnlyCell(about, "Sheet"), WriteOnlyCell(about, "Table and how to read it")])
    for name, table in zip(names, tables, strict=True):
        text = _value(f"{table.title}. {table.note}".strip())
        note = WriteOnlyCell(about, text)
        note.alignment = wrap
        height = row_height([name, text], about_widths, {1})
        if height:
            about.row_dimensions[about._max_row + 1].height = height
        about.append([_value(name), note])

    for name, table in zip(names, tables, strict=True):
        ws = wb.create_sheet(name)
        rows = [[_value(c) for c in row] for row in table.rows]
        widths = _widths(table, rows)
        for j, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = width
        ws.freeze_panes = "B2" if table.wide else "A2"
        print_setup(ws, widths)
        head = []
        for column in table.columns:
            cell = WriteOnlyCell(ws, _value(column))
            cell.font, cell.fill, cell.alignment = header_font, header_fill, wrap
            head.append(cell)
        head_height = row_height(list(table.columns), widths, set(range(len(widths))))
        if head_height:
            ws.row_dimensions[1].height = head_height
        ws.append(head)
        wrapped = {j for j, w in enumerate(widths) if w >= _MAX_WIDTH} | set(table.quote_columns)
        wrap_cell, top_cell = WriteOnlyCell(ws), WriteOnlyCell(ws)
        wrap_cell.alignment, top_cell.alignment = wrap, top
        wrap_style, top_style = wrap_cell._style, top_cell._style
        for i, row in enumerate(rows):
            height = row_height(row, widths, wrapped) if wrapped and not table.spans(i) else None
            if height:
                ws.row_dimensions[i + 2].height = height
            if table.style(i) == "group":
                out = []
                for j, value in enumerate(row):
                    cell = WriteOnlyCell(ws, value)
                    cell.font, cell.fill = group_font, group_fill
                    cell.alignment = wrap if j in wrapped and not table.spans(i) else top
                    out.append(cell)
                ws.append(out)
            elif (
                wrapped
            ):  # in a tall row every cell sits at the top, so the row reads as one line of the table
                out = []
                for j, value in enumerate(row):
                    if j in wrapped or height:
                        cell = WriteOnlyCell(ws, value)
                        cell._style = copy(wrap_style if j in wrapped else top_style)  # copying is fast
                        out.append(cell)
                    else:
                        out.append(value)
                ws.append(out)
            else:
                ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
