"""A document's speakers and their roles: who the research team is, and the cases that follow from it."""

from __future__ import annotations

from collections import Counter
from typing import Any

from qualcode.core.turns import RESEARCHER, speaker_roles
from qualcode.errors import InputError
from qualcode.store.documents import document_id, upsert_case
from qualcode.store.project import Project


def document_speakers(project: Project, doc_id: int) -> list[dict[str, Any]]:
    """Each speaker of a document with its role, legend code and turn count, in order of first turn."""
    stored = {
        r["speaker"]: r
        for r in project.query(
            "SELECT speaker, role, code FROM document_speakers WHERE document_id = ?", (doc_id,)
        )
    }
    rows = project.query(
        "SELECT speaker, count(*) AS turns, min(position) AS first FROM segments WHERE document_id = ?"
        " AND speaker IS NOT NULL GROUP BY speaker ORDER BY first",
        (doc_id,),
    )
    roles = speaker_roles([r["speaker"] for r in rows])
    return [
        {
            "speaker": r["speaker"],
            "turns": r["turns"],
            "role": stored.get(r["speaker"], {}).get("role") or roles[r["speaker"]],
            "code": stored.get(r["speaker"], {}).get("code"),
        }
        for r in rows
    ]


def _case_plan(project: Project, doc_id: int, doc_name: str, source_type: str) -> tuple[str, str]:
    """The document's interview case, or its focus-group case prefix, as the import chose them."""
    rows = project.query(
        "SELECT c.name AS case_name, s.speaker FROM segments s JOIN cases c ON c.id = s.case_id"
        " WHERE s.document_id = ?",
        (doc_id,),
    )
    if source_type == "focus-group":
        prefixes = Counter(
            r["case_name"][: -len(r["speaker"]) - 1]
            for r in rows
            if r["speaker"] and r["case_name"].endswith(f"-{r['speaker']}")
        )
        return "prefix", prefixes.most_common(1)[0][0] if prefixes else doc_name
    cases = Counter(r["case_name"] for r in rows)
    return "case", cases.most_common(1)[0][0] if cases else doc_name


def set_interviewers(project: Project, name: str, interviewers: list[str]) -> dict[str, Any]:
    """Make exactly these speakers (names or legend codes) the named research team of a document, besides the
    labels that always are (Interviewer, Facilitator...), and re-derive every segment's case; one transaction."""
    doc_id = document_id(project, name)
    source_type = project.scalar("SELECT source_type FROM documents WHERE id = ?", (doc_id,))
    speakers = document_speakers(project, doc_id)
    if not speakers:
        raise InputError(f"'{name}' has no speaker turns, so it has no interviewer to set")
    known = {s["speaker"].casefold() for s in speakers} | {
        s["code"].casefold() for s in speakers if s["code"]
    }
    unknown = [n for n in interviewers if n.strip().casefold() not in known]
    if unknown:
        listed = ", ".join(s["speaker"] + (f" ({s['code']})" if s["code"] else "") for s in speakers)
        raise InputError(f"'{name}' has no speaker {unknown[0]!r}; its speakers are: {listed}")
    legend = {s["code"]: s["speaker"] for s in speakers if s["code"]}
    roles = speaker_roles([s["speaker"] for s in speakers], interviewers, legend)
    kind, value = _case_plan(project, doc_id, name, source_type)
    with project.transaction():
        cache: dict[str, int] = {}
        project.conn.execute("DELETE FROM document_speakers WHERE document_id = ?", (doc_id,))
        project.conn.executemany(
            "INSERT INTO document_speakers(document_id, speaker, role, code) VALUES (?, ?, ?, ?)",
            [(doc_id, s["speaker"], roles[s["speaker"]], s["code"]) for s in speakers],
        )
        moved = 0
        for seg_id, speaker, old_case in project.conn.execute(
            "SELECT id, speaker, case_id FROM segments WHERE document_id = ? ORDER BY position", (doc_id,)
        ).fetchall():
            if speaker is None or roles.get(speaker) == RESEARCHER:
                case_id = None
            else:
                case_name = f"{value}-{speaker}" if kind == "prefix" else value
                case_id = upsert_case(project, case_name, {}, cache)
            if case_id != old_case:
                project.conn.execute("UPDATE segments SET case_id = ? WHERE id = ?", (case_id, seg_id))
                moved += 1
        emptied = [
            r[0]
            for r in project.conn.execute(
                "SELECT name FROM cases c WHERE NOT EXISTS (SELECT 1 FROM segments s WHERE s.case_id = c.id)"
                " AND NOT EXISTS (SELECT 1 FROM case_attributes a WHERE a.case_id = c.id)"
                " AND NOT EXISTS (SELECT 1 FROM memos m WHERE m.target_kind = 'case' AND m.target_id = c.id)"
            )
        ]
        project.conn.executemany("DELETE FROM cases WHERE name = ?", [(n,) for n in emptied])
        before = {s["speaker"]: s["role"] for s in speakers}
        result = {
            "document": name,
            "interviewers": sorted(s for s, r in roles.items() if r == RESEARCHER),
            "roles": roles,
            "segments_moved": moved,
            "cases_removed": emptied,
        }
        project.log(
            "document.speakers",
            "document",
            name,
            {"before": before, "after": roles, "segments_moved": moved, "cases_removed": emptied},
        )
    return result
