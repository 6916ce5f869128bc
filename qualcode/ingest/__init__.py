"""Importers: read a file into ParsedDocuments (core objects), choosing the reader by file type."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from qualcode.core.models import ParsedDocument
from qualcode.errors import InputError
from qualcode.ingest.common import ImportOptions, parser_errors_as_input, read_file_bytes
from qualcode.ingest.richtext import read_html, read_odt, read_pdf, read_rtf
from qualcode.ingest.survey import read_survey
from qualcode.ingest.transcripts import read_docx, read_text, read_vtt

Reader = Callable[[Path, bytes, ImportOptions], list[ParsedDocument]]

READERS: dict[str, Reader] = {
    ".txt": read_text,
    ".md": read_text,
    ".text": read_text,
    ".docx": read_docx,
    ".vtt": read_vtt,
    ".rtf": read_rtf,
    ".odt": read_odt,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
    ".csv": read_survey,
    ".xlsx": read_survey,
}


def read_document(path: str | Path, options: ImportOptions | None = None) -> list[ParsedDocument]:
    """Parse one file; every failure becomes an InputError naming the file."""
    path = Path(path)
    options = options or ImportOptions()
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        kinds = ", ".join(sorted(READERS))
        raise InputError(
            f"{path.name}: cannot import this kind of file (qualcode reads {kinds}, and REFI-QDA projects: .qdpx, .qde)"
        )
    data = read_file_bytes(path, options.max_bytes)
    with parser_errors_as_input(path.name, path.suffix.lower().lstrip(".")):
        docs = reader(path, data, options)
    if options.participants is not None:
        for doc in docs:
            doc.participants = options.participants
    return docs


__all__ = ["ImportOptions", "read_document", "READERS"]
