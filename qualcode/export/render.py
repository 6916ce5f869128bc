"""Render a ReportDoc to the bytes of a file in one of the export formats."""

from __future__ import annotations

from qualcode.core.reportdoc import ReportDoc
from qualcode.errors import InputError

FORMATS = ("csv", "xlsx", "docx", "md", "html")


def render(doc: ReportDoc, fmt: str) -> bytes:
    """Writers are imported when used: openpyxl, python-docx and matplotlib are slow to load."""
    if fmt == "csv":
        from qualcode.export.csvfile import render_csv

        return render_csv(doc)
    if fmt == "xlsx":
        from qualcode.export.xlsx import render_xlsx

        return render_xlsx(doc)
    if fmt == "docx":
        from qualcode.export.word import render_docx

        return render_docx(doc)
    if fmt == "md":
        from qualcode.export.markdown import render_markdown

        return render_markdown(doc).encode("utf-8")
    if fmt == "html":
        from qualcode.export.htmlpage import render_html

        return render_html(doc).encode("utf-8")
    raise InputError(f"unknown format '{fmt}' (choose from {', '.join(FORMATS)})")
