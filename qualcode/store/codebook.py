"""Codebook in the project: import (upsert), read back, and resolve code keys."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from rapidfuzz import fuzz, process

from qualcode.core.models import Code, Codebook
from qualcode.errors import NotFoundError
from qualcode.store.project import Project


def save_codebook(project: Project, codebook: Codebook) -> dict[str, int]:
    """Add new codes and update existing ones by key; codes absent from `codebook` are kept (never dropped)."""
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    with project.transaction():
        existing = {c.key: c for c in load_codebook(project).codes}
        ids = dict(project.conn.execute("SELECT key, id FROM codes"))
        for position, code in enumerate(codebook.codes):
            parent_id = ids.get(code.parent) if code.parent else None
            values = (
                code.label,
                parent_id,
                position,
                code.definition,
                code.include,
                code.exclude,
                json.dumps(code.examples, ensure_ascii=False),
                json.dumps(code.atypical_examples, ensure_ascii=False),
                json.dumps(code.keywords, ensure_ascii=False),
                code.colour,
            )
            old = existing.get(code.key)
            if old is None:
                cur = project.conn.execute(
                    "INSERT INTO codes(label, parent_id, position, definition, include, exclude, examples,"
                    " atypical_examples, keywords, colour, key) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (*values, code.key),
                )
                ids[code.key] = cur.lastrowid
                counts["added"] += 1
                project.log("codebook.add", "code", code.key, {"after": asdict(code)})
            elif old == code:
                project.conn.execute("UPDATE codes SET position = ? WHERE key = ?", (position, code.key))
                counts["unchanged"] += 1
            else:
                project.conn.execute(
                    "UPDATE codes SET label=?, parent_id=?, position=?, definition=?, include=?, exclude=?,"
                    " examples=?, atypical_examples=?, keywords=?, colour=? WHERE key=?",
                    (*values, code.key),
                )
                counts["updated"] += 1
                project.log(
                    "codebook.update", "code", code.key, {"before": asdict(old), "after": asdict(code)}
                )
        if codebook.name and not project.meta("codebook_name"):
            project.conn.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES ('codebook_name', ?)", (codebook.name,)
            )
    return counts


def _row_to_code(row: dict[str, Any], keys_by_id: dict[int, str]) -> Code:
    return Code(
        key=row["key"],
        label=row["label"],
        parent=keys_by_id.get(row["parent_id"]) if row["parent_id"] else None,
        definition=row["definition"],
        include=row["include"],
        exclude=row["exclude"],
        examples=json.loads(row["examples"]),
        atypical_examples=json.loads(row["atypical_examples"]),
        keywords=json.loads(row["keywords"]),
        colour=row["colour"],
    )


def load_codebook(project: Project) -> Codebook:
    """The project's codebook, parents before children, siblings in their saved order."""
    rows = project.query("SELECT * FROM codes ORDER BY position, id")
    keys_by_id = {r["id"]: r["key"] for r in rows}
    codes = [_row_to_code(r, keys_by_id) for r in rows]
    walked = Codebook(codes=codes).walk()
    return Codebook(codes=[code for code, _ in walked], name=project.meta("codebook_name") or "")


def code_counts(project: Project) -> dict[str, dict[str, int]]:
    """Per code key: codings, distinct segments, distinct documents."""
    rows = project.query(
        "SELECT c.key, count(k.id) AS codings, count(DISTINCT k.segment_id) AS segments,"
        " count(DISTINCT k.document_id) AS documents FROM codes c LEFT JOIN codings k ON k.code_id = c.id"
        " GROUP BY c.id"
    )
    return {r["key"]: {k: r[k] for k in ("codings", "segments", "documents")} for r in rows}


def code_codings(project: Project) -> dict[str, int]:
    """Per code key: its codings, from the counts the writes keep (what the workbench's codebook tree shows)."""
    return dict(
        project.conn.execute(
            "SELECT c.key, coalesce(n.codings, 0) FROM codes c LEFT JOIN code_counts n ON n.code_id = c.id"
        )
    )


def resolve_code(project: Project, key: str) -> int:
    """A code key's id; an unknown key is an error that names the nearest real key."""
    row = project.conn.execute("SELECT id FROM codes WHERE key = ?", (key,)).fetchone()
    if row:
        return int(row[0])
    keys = [r[0] for r in project.conn.execute("SELECT key FROM codes")]
    hint = ""
    if keys:
        best = process.extractOne(key, keys, scorer=fuzz.ratio, score_cutoff=60)
        if best:
            hint = f" (did you mean '{best[0]}'?)"
    raise NotFoundError(f"unknown code '{key}'{hint}")


def kept_coding_count(project: Project, code: str | None = None) -> int:
    """How many codings the project holds (of one code), from the counts the writes keep: no scan."""
    if code is None:
        return int(project.scalar("SELECT coalesce(sum(codings), 0) FROM code_counts") or 0)
    return int(
        project.scalar(
            "SELECT coalesce(max(codings), 0) FROM code_counts WHERE code_id = ?",
            (resolve_code(project, code),),
        )
        or 0
    )
