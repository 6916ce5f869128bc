"""What the suggester learns from: coded and rejected segments, each coder's decisions, and feedback writes."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from qualcode.errors import DuplicateError, InputError
from qualcode.store.codebook import resolve_code
from qualcode.store.codings import add_coding, get_coding, resolve_span
from qualcode.store.project import Project, now


def leaf_code_keys(project: Project) -> list[str]:
    """Codes without children, in codebook order: the only codes a suggester proposes."""
    rows = project.conn.execute(
        "SELECT c.key FROM codes c WHERE NOT EXISTS (SELECT 1 FROM codes k WHERE k.parent_id = c.id)"
        " ORDER BY c.position, c.id"
    )
    return [r[0] for r in rows]


def segment_texts(
    project: Project, ids: list[int] | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Segments with the text and the group they belong to (case, else document) for grouped evaluation."""
    sql = (
        'SELECT s.id, s.text, s.document_id, d.name AS document, c.name AS "case" FROM segments s'
        " JOIN documents d ON d.id = s.document_id LEFT JOIN cases c ON c.id = s.case_id"
    )
    params: list[Any] = []
    if ids is not None:
        rows: list[dict[str, Any]] = []
        for i in range(0, len(ids), 500):  # stay under SQLite's variable limit
            chunk = ids[i : i + 500]
            rows += project.query(f"{sql} WHERE s.id IN ({','.join('?' * len(chunk))})", chunk)
        return rows
    sql += " ORDER BY s.document_id, s.position"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return project.query(sql, params)


def human_labels(project: Project) -> dict[int, set[str]]:
    """Segment id -> the codes any coder applied to it (codings outside a segment are left out)."""
    labels: dict[int, set[str]] = {}
    for seg_id, key in project.conn.execute(
        "SELECT k.segment_id, c.key FROM codings k JOIN codes c ON c.id = k.code_id WHERE k.segment_id IS NOT NULL"
    ):
        labels.setdefault(int(seg_id), set()).add(key)
    return labels


def rejections(project: Project) -> dict[int, set[str]]:
    """Segment id -> codes some coder rejected when suggested there."""
    out: dict[int, set[str]] = {}
    for seg_id, key in project.conn.execute(
        "SELECT f.segment_id, c.key FROM suggestion_feedback f JOIN codes c ON c.id = f.code_id"
        " WHERE f.decision = 'rejected'"
    ):
        out.setdefault(int(seg_id), set()).add(key)
    return out


def coder_decided(project: Project, coder: str) -> dict[int, set[str]]:
    """Segment id -> codes this coder already applied there or rejected there: never suggest them again."""
    out: dict[int, set[str]] = {}
    for seg_id, key in project.conn.execute(
        "SELECT k.segment_id, c.key FROM codings k JOIN codes c ON c.id = k.code_id"
        " WHERE k.coder = ? AND k.segment_id IS NOT NULL"
        " UNION SELECT f.segment_id, c.key FROM suggestion_feedback f JOIN codes c ON c.id = f.code_id"
        " WHERE f.coder = ? AND f.decision = 'rejected'",
        (coder, coder),
    ):
        out.setdefault(int(seg_id), set()).add(key)
    return out


def _record_feedback(
    project: Project, segment_id: int, code_id: int, coder: str, decision: str, detail: dict[str, Any]
) -> dict[str, Any] | None:
    """Insert or replace this coder's decision on (segment, code); returns the decision it replaced."""
    old = project.query(
        "SELECT decision, score, method, model_version, reason, created FROM suggestion_feedback"
        " WHERE segment_id = ? AND code_id = ? AND coder = ?",
        (segment_id, code_id, coder),
    )
    project.conn.execute(
        "INSERT INTO suggestion_feedback(segment_id, code_id, coder, decision, score, method, model_version, reason,"
        " created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(segment_id, code_id, coder) DO UPDATE SET"
        " decision = excluded.decision, score = excluded.score, method = excluded.method,"
        " model_version = excluded.model_version, reason = excluded.reason, created = excluded.created",
        (
            segment_id,
            code_id,
            coder,
            decision,
            detail.get("score"),
            detail.get("method"),
            detail.get("model_version"),
            detail.get("reason"),
            detail.get("time") or now(),
        ),
    )
    return old[0] if old else None


def accept_code(project: Project, segment_id: int, code: str, coder: str, provenance: dict[str, Any]) -> int:
    """Apply a suggested code to the whole segment with its provenance, and record the acceptance; one
    transaction, logged. Returns the new coding's id."""
    with project.transaction():
        coder = project.ensure_coder(coder)
        code_id = resolve_code(project, code)
        try:
            coding_id = add_coding(project, code, segment_id=segment_id, coder=coder, provenance=provenance)
        except DuplicateError:
            raise DuplicateError(f"segment {segment_id} already has '{code}' from {coder}") from None
        before = _record_feedback(project, segment_id, code_id, coder, "accepted", provenance)
        project.log(
            "suggestion.accept",
            "segment",
            segment_id,
            {"before": before, "after": {"code": code, "coder": coder, "coding_id": coding_id, **provenance}},
        )
    return coding_id


def reject_code(project: Project, segment_id: int, code: str, coder: str, provenance: dict[str, Any]) -> None:
    """Record that this coder rejected a suggested code on a segment; one transaction, logged."""
    with project.transaction():
        coder = project.ensure_coder(coder)
        resolve_span(project, segment_id, None, None, None)
        code_id = resolve_code(project, code)
        try:
            before = _record_feedback(project, segment_id, code_id, coder, "rejected", provenance)
        except sqlite3.IntegrityError as exc:
            raise InputError(f"cannot record the rejection: {exc}") from None
        project.log(
            "suggestion.reject",
            "segment",
            segment_id,
            {"before": before, "after": {"code": code, "coder": coder, **provenance}},
        )


def coding_provenance(project: Project, coding_id: int) -> dict[str, Any] | None:
    text = project.scalar("SELECT provenance FROM codings WHERE id = ?", (coding_id,))
    get_coding(project, coding_id)  # a clear error for an unknown id
    return json.loads(text) if text else None


def withdraw_feedback(project: Project, segment_id: int, code: str, coder: str) -> None:
    """Forget this coder's accept/reject decision on (segment, code), e.g. when the coder undoes it; logged."""
    with project.transaction():
        code_id = resolve_code(project, code)
        old = project.query(
            "SELECT decision FROM suggestion_feedback WHERE segment_id = ? AND code_id = ? AND coder = ?",
            (segment_id, code_id, coder),
        )
        if old:
            project.conn.execute(
                "DELETE FROM suggestion_feedback WHERE segment_id = ? AND code_id = ? AND coder = ?",
                (segment_id, code_id, coder),
            )
            project.log(
                "suggestion.withdraw",
                "segment",
                segment_id,
                {"before": {"code": code, "coder": coder, **old[0]}},
            )
