"""Word writer (python-docx): real headings and tables, quotes in italics with their attribution."""

from __future__ import annotations

import io
from typing import Any

from qualcode.core.reportdoc import (
    BarChart,
    Cell,
    Heading,
    Paragraph,
    QuoteList,
    ReportDoc,
    Table,
    cell_plain,
)
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


def column_widths(table: Table, total: float, char_cm: float) -> list[float]:
    """Widths in cm: each column first gets room for its header's longest word, its short values and its
    longest word, so numbers, names and code keys never break mid-word (a column of one-word values such as
    code keys gets room for the longest, up to 28 characters; a line may break after a hyphen); the rest goes to the columns with the most text,
    and quote columns (transcript text) get the lion's share, so a quote reads as lines, not a column of words."""
    minimum, weights = [], []
    for j, column in enumerate(table.columns):
        texts = [str(cell_plain(row[j])) for row in table.rows[:200] if row[j] is not None and row[j] != ""]
        lengths = [len(t) for t in texts]
        word = max((len(w) for w in column.split()), default=4)
        short = max((n for n in lengths if n <= 12), default=0)  # numbers and short values should not wrap
        # Lines may break after a hyphen, so a word's longest unbreakable piece is what must fit.
        tokens = [len(piece) + 1 for t in texts for w in t.split() for piece in w.split("-")]
        one_word = bool(texts) and all(len(t.split()) == 1 for t in texts)
        longest = min(max(tokens, default=0), 28 if one_word else 12)
        minimum.append(max(word, short, longest, 3) * char_cm + 0.4)
        quotes = j in table.quote_columns or any(isinstance(row[j], QuoteList) for row in table.rows[:200])
        weight = min(sum(lengths) / max(len(table.rows[:200]), 1), 120.0) ** 1.3 if lengths else 0.0
        weights.append(weight * (4.0 if quotes else 1.0))
    quoted = {
        j
        for j in range(len(table.columns))
        if (j in table.quote_columns or any(isinstance(row[j], QuoteList) for row in table.rows[:200]))
        and weights[j] > 0
    }
    spare = total - sum(minimum)
    if spare <= 0:
        return [m * total / sum(minimum) for m in minimum]
    weight = sum(weights) or 1.0
    widths = [m + spare * w / weight for m, w in zip(minimum, weights, strict=True)]
    share = sum(widths[j] for j in quoted)
    extra = sum(w - m for j, (w, m) in enumerate(zip(widths, minimum, strict=True)) if j not in quoted)
    if quoted and share < 0.45 * total and extra > 0:
        # Quotes want at least 45% of the width: the other columns give up what they have above their minimum
        # (never below it, so no word breaks), in proportion.
        give = min(0.45 * total - share, extra)
        widths = [
            w + give * w / share if j in quoted else w - give * (w - minimum[j]) / extra
            for j, w in enumerate(widths)
        ]
    return widths


def _keep_row_whole(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    mark = OxmlElement("w:cantSplit")
    mark.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(mark)


def _table(document: Any, table: Table, caption: bool = True, width_cm: float = 26.0) -> None:
    from docx.shared import Cm, Pt

    if caption:
        document.add_heading(clean(table.title), level=3).paragraph_format.keep_with_next = True
    size = Pt(7.5) if table.wide else Pt(9)
    t = document.add_table(rows=1 + len(table.rows), cols=len(table.columns))
    t.style = "Table Grid"
    t.autofit = False
    widths = [Cm(w) for w in column_widths(table, width_cm, 0.17 if table.wide else 0.21)]
    for col, width in zip(t.columns, widths, strict=True):
        col.width = width  # the grid LibreOffice reads
    rows = t.rows
    for row in rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width  # the cell widths Word reads
    for cell, column in zip(rows[0].cells, table.columns, strict=True):
        _fill(cell, column, True, False, size)
        _shade(cell, "D9E5F0")
    _repeat_header(rows[0])
    for i, values in enumerate(table.rows):
        if len(str(cell_plain(values[0]))) < 1500:  # a row of a page or less never splits across pages
            _keep_row_whole(rows[i + 1])
        group = table.style(i) == "group"
        if table.spans(i):
            first, last = rows[i + 1].cells[0], rows[i + 1].cells[-1]
            merged = first.merge(last) if len(table.columns) > 1 else first
            _fill(merged, values[0], True, False, size)
            _shade(merged, "EEF3F8")
            continue
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
    document.core_properties.comments = (
        f"project sha256 {doc.provenance.sha256}; generated {doc.provenance.generated}"
    )
    document.add_heading(clean(doc.title), level=0)
    prov = document.add_paragraph()
    for label, value in doc.provenance.lines():
        run = prov.add_run(f"{clean(label)}: ")
        run.bold = True
        run.font.size = Pt(8)
        run = prov.add_run(clean(value) + "\n")
        run.font.size = Pt(8)
    for block, caption in doc.captioned():
        if isinstance(block, Heading):  # a heading stays with what follows it
            document.add_heading(
                clean(block.text), level=min(block.level, 9)
            ).paragraph_format.keep_with_next = True
        elif isinstance(block, Paragraph):
            if block.text:
                document.add_paragraph(clean(block.text)).paragraph_format.space_before = Pt(4)
        elif isinstance(block, Table):
            _table(document, block, caption)
        elif isinstance(block, BarChart):
            document.add_picture(io.BytesIO(png_bar_chart(block)), width=Inches(6.5))
            if block.note:
                run = document.add_paragraph().add_run(clean(block.note))
                run.italic = True
                run.font.size = Pt(8)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()
