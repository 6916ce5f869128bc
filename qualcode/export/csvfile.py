"""CSV writer: UTF-8 with a BOM (Excel reads accents), provenance lines first, formula-safe cells."""

from __future__ import annotations

import csv
import io

from qualcode.core.reportdoc import ReportDoc, cell_plain
from qualcode.errors import InputError
from qualcode.export.cells import one_line, spreadsheet_safe


def render_csv(doc: ReportDoc) -> bytes:
    """One table: lines starting '#' say where it came from, then a blank line, the header and the rows."""
    tables = doc.tables()
    if len(tables) != 1:
        raise InputError("CSV holds one table; use xlsx, docx, html or md for a report with several")
    table = tables[0]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([f"# {one_line(table.title)}: {one_line(doc.provenance.project)}"])
    for label, value in doc.provenance.lines():
        writer.writerow([f"# {label}: {one_line(value)}"])
    if table.note:
        writer.writerow([f"# Note: {one_line(table.note)}"])
    writer.writerow([])
    writer.writerow([spreadsheet_safe(c) for c in table.columns])
    for row in table.rows:
        writer.writerow([spreadsheet_safe(cell_plain(c)) for c in row])
    return out.getvalue().encode("utf-8-sig")
