"""Markdown writer (GitHub tables): every piece of text is escaped so a quote can never become markup."""

from __future__ import annotations

import re

from qualcode.core.reportdoc import BarChart, Cell, Heading, Paragraph, QuoteList, ReportDoc, Table
from qualcode.export.cells import clean

_INLINE = re.compile(r"([\\`*_\[\]{}|~!])")
_LINE_START = re.compile(r"^(\s*)([#>+\-=])", re.MULTILINE)
_ORDERED = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)


def escape_md(text: str) -> str:
    """Backslash-escape Markdown punctuation, turn HTML into entities, and defuse line-start markers
    (headings, quotes, list items); newlines become <br> so a table cell stays one cell."""
    text = clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _INLINE.sub(r"\\\1", text)
    text = _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
    text = _ORDERED.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
    return "<br>".join(line.strip() for line in text.replace("\r", "").split("\n"))


def _cell(cell: Cell, italic: bool = False) -> str:
    if cell is None:
        return ""
    if isinstance(cell, QuoteList):
        parts = [escape_md(cell.note)] if cell.note else []
        parts += [f"*\u201c{escape_md(q.text)}\u201d* {escape_md(q.attribution)}" for q in cell.quotes]
        if cell.more:
            parts.append(f"(+{cell.more} more)")
        return "<br>".join(parts)
    if isinstance(cell, (int, float)):
        return str(cell)
    text = escape_md(cell)
    return f"*{text}*" if italic and text else text


def _table(table: Table, caption: bool = True) -> list[str]:
    lines = [f"### {escape_md(table.title)}", ""] if caption else []
    lines.append("| " + " | ".join(escape_md(c) for c in table.columns) + " |")
    lines.append("|" + "|".join("---" for _ in table.columns) + "|")
    for i, row in enumerate(table.rows):
        cells = [_cell(c, j in table.quote_columns) for j, c in enumerate(row)]
        if table.style(i) == "group" and cells and cells[0]:
            cells[0] = f"**{cells[0]}**"
        lines.append("| " + " | ".join(cells) + " |")
    if table.note:
        lines += ["", f"_{escape_md(table.note)}_"]
    return lines + [""]


def _chart(chart: BarChart) -> list[str]:
    """Charts become a small table of the plotted percentages ('k of N' where a series has too few cases)."""
    columns = ["Theme", *[name for name, _ in chart.series]]
    rows: list[list[Cell]] = [
        [cat, *[chart.label(s, i) for s in range(len(chart.series))]]
        for i, cat in enumerate(chart.categories)
    ]
    return _table(Table("chart", chart.title, columns, rows, note=chart.note))


def render_markdown(doc: ReportDoc) -> str:
    lines = [f"# {escape_md(doc.title)}", ""]
    lines += [f"- {escape_md(label)}: {escape_md(value)}" for label, value in doc.provenance.lines()]
    lines.append("")
    for block, caption in doc.captioned():
        if isinstance(block, Heading):
            lines += ["#" * min(block.level + 1, 6) + " " + escape_md(block.text), ""]
        elif isinstance(block, Paragraph):
            if block.text:
                lines += [escape_md(block.text), ""]
        elif isinstance(block, Table):
            lines += _table(block, caption)
        elif isinstance(block, BarChart):
            lines += _chart(block)
    return "\n".join(lines).rstrip() + "\n"
