"""Compare a project's stored survey answers with the original file, answer by answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qualcode.errors import InputError
from qualcode.ingest.common import MAX_FILE_BYTES, normalise_text, read_file_bytes
from qualcode.ingest.csvread import read_csv_records
from qualcode.ingest.survey import export_headers, read_xlsx_records
from qualcode.store.project import Project

_SHOWN = 20  # differences listed in full; the counts always cover all of them


def _respondent(text: str, start: int, question: str) -> str:
    """The respondent id from the `id | column` heading written above each answer at import."""
    marker = f" | {question}\n"
    at = text.rfind(marker, 0, start + 1)
    if at < 0:
        return ""
    line_start = text.rfind("\n", 0, at) + 1
    return text[line_start:at]


def check_survey_file(
    project: Project,
    path: Path,
    document: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> dict[str, Any]:
    """Every stored answer of the survey document(s) imported from PATH against the file's own cell.

    An answer is `identical` when it equals the file's cell (line endings as LF, outer spaces trimmed, as the
    importer stores it), `cut` when the stored text is a strict beginning of the cell (the damage done by the
    old delimiter sniffing), `different` otherwise; a non-blank cell with no stored answer is `missing`."""
    data = read_file_bytes(path, MAX_FILE_BYTES)
    if path.suffix.lower() == ".xlsx":
        records = read_xlsx_records(data, path.name, sheet)
    else:
        records = read_csv_records(data, path.name, delimiter)
    if len(records) < 2:
        raise InputError(f"{path.name}: needs a header row and at least one respondent")
    headers, header_rows, _ = export_headers(records)
    rows = [fields for _, fields in records[header_rows:]]

    if document is not None:
        docs = project.query("SELECT id, name, text FROM documents WHERE name = ?", [document])
        if not docs:
            raise InputError(f"no document named {document!r}")
    else:
        docs = project.query(
            "SELECT id, name, text FROM documents WHERE original_name = ? ORDER BY id", [path.name]
        )
        if not docs:
            raise InputError(
                f"no document was imported from a file called {path.name!r}; name it with --document"
            )

    stored: dict[tuple[str, str], str] = {}
    for doc in docs:
        for seg in project.query(
            "SELECT start, question, text FROM segments WHERE document_id = ? AND question"
            " IS NOT NULL ORDER BY position",
            [doc["id"]],
        ):
            stored[(_respondent(doc["text"], seg["start"], seg["question"]), seg["question"])] = seg["text"]
    if not stored:
        raise InputError(
            f"{', '.join(d['name'] for d in docs)}: no survey answers stored (was it imported as a survey?)"
        )

    respondents = {rid for rid, _ in stored}
    columns = {col for _, col in stored}
    missing_columns = sorted(c for c in columns if c not in headers)
    if missing_columns:
        raise InputError(
            f"{path.name}: no column(s) {', '.join(map(repr, missing_columns))}; is this the file "
            "that was imported?"
        )
    # The id column is the one holding the most of the stored respondent ids.
    id_index = max(
        range(len(headers)), key=lambda i: sum(1 for r in rows if i < len(r) and r[i].strip() in respondents)
    )
    file_cells: dict[tuple[str, str], str] = {}
    for row in rows:
        rid = row[id_index].strip() if id_index < len(row) else ""
        for col in columns:
            i = headers.index(col)
            value = normalise_text(row[i]).strip() if i < len(row) else ""
            if rid and value:
                file_cells[(rid, col)] = value

    counts = {"identical": 0, "cut": 0, "different": 0, "missing": 0, "not_in_file": 0}
    problems: list[dict[str, Any]] = []
    for key in sorted(set(stored) | set(file_cells)):
        mine, theirs = stored.get(key), file_cells.get(key)
        if mine == theirs:
            counts["identical"] += 1
            continue
        if mine is None:
            kind = "missing"
        elif theirs is None:
            kind = "not_in_file"
        else:
            kind = "cut" if theirs.startswith(mine) else "different"
        counts[kind] += 1
        problems.append(
            {
                "respondent": key[0],
                "column": key[1],
                "problem": kind,
                "stored_chars": len(mine or ""),
                "file_chars": len(theirs or ""),
            }
        )
    return {
        "file": path.name,
        "documents": [d["name"] for d in docs],
        "answers_stored": len(stored),
        "answers_in_file": len(file_cells),
        **counts,
        "ok": not problems,
        "problems": problems[:_SHOWN],
        "problems_total": len(problems),
    }
