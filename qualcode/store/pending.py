"""Pending suggestions from auto-coding: proposed codes waiting for a coder to accept or reject each one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qualcode.errors import InputError, NotFoundError
from qualcode.store.codebook import resolve_code
from qualcode.store.project import Project, now
from qualcode.store.suggestions import accept_code, reject_code

_SELECT = (
    "SELECT p.id, p.segment_id, c.key AS code, p.score, p.reason, p.method, p.model_version, p.proposed_by,"
    " p.created, d.name AS document, s.text FROM pending_suggestions p JOIN codes c ON c.id = p.code_id"
    " JOIN segments s ON s.id = p.segment_id JOIN documents d ON d.id = s.document_id"
)


def add_pending(project: Project, code: str, proposals: Sequence[dict[str, Any]], coder: str) -> int:
    """Store proposals ({segment_id, score, reason, method, model_version}) for one code; a segment that already
    has this code pending keeps its row. One transaction, logged. Returns how many were added."""
    added = 0
    with project.transaction():
        coder = project.ensure_coder(coder)
        code_id = resolve_code(project, code)
        stamp = now()
        for p in proposals:
            cur = project.conn.execute(
                "INSERT OR IGNORE INTO pending_suggestions(segment_id, code_id, score, reason, method, model_version,"
                " proposed_by, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    p["segment_id"],
                    code_id,
                    p["score"],
                    p.get("reason"),
                    p.get("method"),
                    p.get("model_version"),
                    coder,
                    stamp,
                ),
            )
            added += cur.rowcount
        project.log(
            "autocode.propose",
            "code",
            code_id,
            {
                "after": {
                    "code": code,
                    "coder": coder,
                    "proposed": added,
                    "segments": [p["segment_id"] for p in proposals],
                }
            },
        )
    return added


def list_pending(
    project: Project, code: str | None = None, document: str | None = None
) -> list[dict[str, Any]]:
    """Pending suggestions, best score first within each code."""
    where: list[str] = []
    params: list[object] = []
    if code is not None:
        where.append("p.code_id = ?")
        params.append(resolve_code(project, code))
    if document is not None:
        if not project.scalar("SELECT 1 FROM documents WHERE name = ?", (document,)):
            raise NotFoundError(f"no document named '{document}'")
        where.append("d.name = ?")
        params.append(document)
    sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY c.key, p.score DESC, p.id"
    return project.query(sql, params)


def _pending_rows(project: Project, ids: Sequence[int]) -> list[dict[str, Any]]:
    if not ids:
        raise InputError("give at least one pending suggestion id (see `qualcode pending list`)")
    rows = []
    for pid in ids:
        found = project.query(_SELECT + " WHERE p.id = ?", (pid,))
        if not found:
            raise NotFoundError(f"no pending suggestion with id {pid}")
        rows.append(found[0])
    return rows


def decide_pending(project: Project, ids: Sequence[int], decision: str, coder: str) -> list[dict[str, Any]]:
    """Accept (a coding with the suggestion's provenance) or reject (a rejection the model learns from) each
    pending suggestion, and remove it from the queue: all in one transaction, so a bad id changes nothing."""
    if decision not in ("accepted", "rejected"):
        raise InputError("decision must be 'accepted' or 'rejected'")
    with project.transaction():
        rows = _pending_rows(project, list(dict.fromkeys(ids)))
        for row in rows:
            provenance = {
                "code": row["code"],
                "score": row["score"],
                "reason": row["reason"],
                "method": f"autocode:{row['method']}",
                "model_version": row["model_version"],
                "time": now(),
                "pending_id": row["id"],
            }
            if decision == "accepted":
                row["coding_id"] = accept_code(project, row["segment_id"], row["code"], coder, provenance)
            else:
                reject_code(project, row["segment_id"], row["code"], coder, provenance)
            project.conn.execute("DELETE FROM pending_suggestions WHERE id = ?", (row["id"],))
    return rows


def restore_pending(project: Project, row: dict[str, Any]) -> None:
    """Put a decided pending suggestion back in the queue with its own id (undo of a decision). Logged."""
    with project.transaction():
        code_id = resolve_code(project, row["code"])
        project.conn.execute(
            "INSERT INTO pending_suggestions(id, segment_id, code_id, score, reason, method, model_version,"
            " proposed_by, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row["id"],
                row["segment_id"],
                code_id,
                row["score"],
                row["reason"],
                row["method"],
                row["model_version"],
                row["proposed_by"],
                row["created"],
            ),
        )
        project.log(
            "autocode.restore",
            "code",
            code_id,
            {"after": {"pending_id": row["id"], "segment_id": row["segment_id"], "code": row["code"]}},
        )
