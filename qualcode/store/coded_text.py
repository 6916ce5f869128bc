"""One document with its coding, as plain data for a coded-transcript export (Word comments, HTML margin)."""

from __future__ import annotations

from typing import Any

from qualcode.store.documents import document_id
from qualcode.store.project import Project


def coded_document(project: Project, name: str, coders: list[str] | None = None) -> dict[str, Any]:
    """The document's text, its turns and every coding on it (optionally only some coders'), in text order."""
    doc_id = document_id(project, name)
    doc = project.query("SELECT name, source_type, text FROM documents WHERE id = ?", (doc_id,))[0]
    where = ""
    params: list[object] = [doc_id]
    if coders:
        where = f" AND k.coder IN ({', '.join('?' * len(coders))})"
        params += coders
    codings = project.query(
        'SELECT k.id, k.start, k."end", c.key AS code, c.label, c.colour, k.coder, k.memo, k.contribution'
        f" FROM codings k JOIN codes c ON c.id = k.code_id WHERE k.document_id = ?{where}"
        ' ORDER BY k.start, k."end" DESC, c.key, k.coder',
        params,
    )
    segments = project.query(
        'SELECT s.start, s."end", s.speaker, c.name AS "case", s.time FROM segments s'
        " LEFT JOIN cases c ON c.id = s.case_id WHERE s.document_id = ? ORDER BY s.position",
        (doc_id,),
    )
    return {
        "document": doc["name"],
        "source_type": doc["source_type"],
        "text": doc["text"],
        "segments": segments,
        "codings": codings,
    }
