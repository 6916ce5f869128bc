"""Excel writer (openpyxl, write-only for speed): an About sheet, then one sheet per table."""

from __future__ import annotations

import io
import re
from typing import Any

from qualcode.core.reportdoc import ReportDoc, Table, cell_plain
from qualcode.export.cells import spreadsheet_safe

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
_WIDTH_SAMPLE = 300  # rows looked at to size columns: enough to be right, cheap on 20,000-row sheets
_MAX_WIDTH = 70
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
        longest = len(column) + 2
        for row in rows[:_WIDTH_SAMPLE]:
            value = row[j]
            if value is not None:
                longest = max(longest, max((len(line) for line in str(value).split("\n")), default=0) + 2)
        widths.append(float(min(longest, _MAX_WIDTH)))
    return widths


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
        note = WriteOnlyCell(about, _value(f"{table.title}. {table.note}".strip()))
        note.alignment = wrap
        about.append([_value(name), note])

    for name, table in zip(names, tables, strict=True):
        ws = wb.create_sheet(name)
        rows = [[_value(c) for c in row] for row in table.rows]
        widths = _widths(table, rows)
        for j, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = width
        ws.freeze_panes = "B2" if table.wide else "A2"
        head = []
        for column in table.columns:
            cell = WriteOnlyCell(ws, _value(column))
            cell.font, cell.fill, cell.alignment = header_font, header_fill, wrap
            head.append(cell)
        ws.append(head)
        wrapped = {j for j, w in enumerate(widths) if w >= _MAX_WIDTH} | set(table.quote_columns)
        for i, row in enumerate(rows):
            if table.style(i) == "group":
                out = []
                for value in row:
                    cell = WriteOnlyCell(ws, value)
                    cell.font, cell.fill, cell.alignment = group_font, group_fill, top
                    out.append(cell)
                ws.append(out)
            elif wrapped:
                out = list(row)
                for j in wrapped:
                    cell = WriteOnlyCell(ws, row[j])
                    cell.alignment = wrap
                    out[j] = cell
                ws.append(out)
            else:
                ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
