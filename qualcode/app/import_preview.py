"""What an import would store, shown before anything is written: source type, speakers, cases, first turns."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from qualcode.core.models import ParsedDocument
from qualcode.core.turns import speaker_roles
from qualcode.ingest import ImportOptions, read_document

FIRST_TURNS = 6


def preview_document(doc: ParsedDocument, first: int = FIRST_TURNS) -> dict[str, Any]:
    """Plain data for one parsed document (nothing here touches a project)."""
    turns = Counter(s.speaker for s in doc.segments if s.speaker)
    roles = doc.roles or speaker_roles(turns)
    codes = {name: code for code, name in doc.legend.items()}
    case_segments = Counter(s.case for s in doc.segments if s.case)
    return {
        "document": doc.name,
        "file": doc.original_name,
        "source_type": doc.source_type,
        "segments": len(doc.segments),
        "legend": doc.legend,
        "speakers": [
            {"speaker": s, "code": codes.get(s), "role": roles.get(s, "participant"), "turns": n}
            for s, n in turns.items()
        ],
        "cases": [
            {"case": c, "segments": case_segments.get(c, 0), "attributes": attrs}
            for c, attrs in doc.cases.items()
        ],
        "no_case_segments": sum(1 for s in doc.segments if not s.case),
        "first_turns": [
            {"speaker": s.speaker, "case": s.case, "time": s.time, "text": doc.text[s.start : s.end]}
            for s in doc.segments[:first]
        ],
        "warnings": list(doc.warnings),
    }


def preview_files(paths: list[Path], options: ImportOptions) -> list[dict[str, Any]]:
    """Parse the files as `import` would and describe each document; nothing is stored."""
    docs: list[ParsedDocument] = []
    for path in paths:
        docs.extend(read_document(path, options))
    return [preview_document(d) for d in docs]
