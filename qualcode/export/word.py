"""Word writer (python-docx): real headings and tables, quotes in italics with their attribution."""

from __future__ import annotations

import io
from typing import Any

from qualcode.core.reportdoc import BarChart, Cell, Heading, Paragraph, QuoteList, ReportDoc, Table
from qualcode.export.cells import clean
from qualcode.export.charts import png_bar_chart


def _shade(cell: Any, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _repeat_header(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    mark = OxmlElement("w:tblHeader")
    mark.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(mark)


def _fill(cell: Any, value: Cell, bold: bool, italic: bool, size: Any) -> None:
    para = cell.paragraphs[0]
    if isinstance(value, QuoteList):
        first = True
        lines: list[tuple[str, str]] = [("note", value.note)] if value.note else []
        lines += [("quote", q) for q in value.quotes]  # type: ignore[misc]
        if value.more:
            lines.append(("note", f"(+{value.more} more in the quotes report)"))
        for kind, item in lines:
            p = para if first else cell.add_paragraph()
            first = False
            if kind == "note":
                run = p.add_run(clean(str(item)))
                run.font.size = size
                continue
            run = p.add_run(f"\u201c{clean(item.text)}\u201d")  # type: ignore[attr-defined]
            run.italic = True
            run.font.size = size
            run = p.add_run(f" {clean(item.attribution)}")  # type: ignore[attr-defined]
            run.font.size = size
        return
    text = "" if value is None else (f"{value:g}" if isinstance(value, float) else str(value))
    run = para.add_run(clean(text))
    run.bold, run.italic = bold or None, italic or None
    run.font.size = size
    if isinstance(value, (int, float)):
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        para.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _table(document: Any, table: Table) -> None:
    from docx.shared import Pt

    document.add_heading(clean(table.title), level=3)
    size = Pt(7.5) if table.wide else Pt(9)
    t = document.add_table(rows=1 + len(table.rows), cols=len(table.columns))
    t.style = "Table Grid"
    rows = t.rows
    for cell, column in zip(rows[0].cells, table.columns, strict=True):
        _fill(cell, column, True, False, size)
        _shade(cell, "D9E5F0")
    _repeat_header(rows[0])
    for i, values in enumerate(table.rows):
        group = table.style(i) == "group"
        for j, (cell, value) in enumerate(zip(rows[i + 1].cells, values, strict=True)):
            _fill(cell, value, group, j in table.quote_columns, size)
            if group:
                _shade(cell, "EEF3F8")
    if table.note:
        note = document.add_paragraph()
        run = note.add_run(clean(table.note))
        run.italic = True
        run.font.size = Pt(8)


def render_docx(doc: ReportDoc) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Inches, Pt

    document = Document()
    section = document.sections[0]
    # Landscape: evidence tables with quotes need the width, as in report appendices.
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.6))
    document.styles["Normal"].font.name = "Calibri"
    document.styles["Normal"].font.size = Pt(10)
    document.core_properties.title = clean(doc.title)
    document.core_properties.comments = f"project sha256 {doc.provenance.sha256}; generated {doc.provenance.generated}"
    document.add_heading(clean(doc.title), level=0)
    prov = document.add_paragraph()
    for label, value in doc.provenance.lines():
        run = prov.add_run(f"{clean(label)}: ")
        run.bold = True
        run.font.size = Pt(8)
        run = prov.add_run(clean(value) + "\n")
        run.font.size = Pt(8)
    for block in doc.blocks:
        if isinstance(block, Heading):
            document.add_heading(clean(block.text), level=min(block.level, 9))
        elif isinstance(block, Paragraph):
            if block.text:
                document.add_paragraph(clean(block.text))
        elif isinstance(block, Table):
            _table(document, block)
        elif isinstance(block, BarChart):
            document.add_picture(io.BytesIO(png_bar_chart(block)), width=Inches(7.5))
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()
