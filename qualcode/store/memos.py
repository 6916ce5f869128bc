"""Memos: free-text notes by a coder on the project, a document, a segment, a case, a code or a coding.

A coding's memo is the coding's own `memo` field (one place; it goes and comes back with the coding), so
memos on codings are read and written there; everything else lives in the memos table."""

from __future__ import annotations

from typing import Any

from qualcode.errors import InputError, NotFoundError
from qualcode.store.project import Project, now

TARGET_TABLES = {
    "document": "documents",
    "segment": "segments",
    "case": "cases",
    "code": "codes",
    "coding": "codings",
}


def _check_target(project: Project, kind: str, target_id: int | None) -> None:
    if kind == "project":
        return
    table = TARGET_TABLES.get(kind)
    if table is None:
        raise InputError(f"memos attach to project, {', '.join(TARGET_TABLES)} (got {kind!r})")
    if (
        target_id is None
        or not project.conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (target_id,)).fetchone()
    ):
        raise NotFoundError(f"no {kind} with id {target_id}")


def write_memo(
    project: Project, kind: str, target_id: int | None, text: str, coder: str | None = None, title: str = ""
) -> int:
    """Create this coder's memo on the target, or replace its text if they already wrote one; empty text deletes it."""
    coder = (coder or project.coder).strip()
    if kind == "coding":
        from qualcode.store.codings import update_coding  # deferred: codings imports the codebook store

        with project.transaction():
            _check_target(project, kind, target_id)
            if not text.strip() and not project.scalar("SELECT memo FROM codings WHERE id = ?", (target_id,)):
                raise InputError("memo is empty")
            update_coding(project, int(target_id or 0), memo=text)
        return int(target_id or 0)
    with project.transaction():
        _check_target(project, kind, target_id)
        project.ensure_coder(coder)
        row = project.conn.execute(
            "SELECT id, text FROM memos WHERE target_kind = ? AND target_id IS ? AND coder = ? ORDER BY id LIMIT 1",
            (kind, target_id, coder),
        ).fetchone()
        text = text.strip()
        if row and not text:
            project.conn.execute("DELETE FROM memos WHERE id = ?", (row[0],))
            project.log("memo.delete", "memo", row[0], {"before": row[1], "target": [kind, target_id]})
            return int(row[0])
        if row:
            if row[1] != text:
                project.conn.execute(
                    "UPDATE memos SET text = ?, updated = ? WHERE id = ?", (text, now(), row[0])
                )
                project.log(
                    "memo.update",
                    "memo",
                    row[0],
                    {"before": row[1], "after": text, "target": [kind, target_id]},
                )
            return int(row[0])
        if not text:
            raise InputError("memo is empty")
        stamp = now()
        cur = project.conn.execute(
            "INSERT INTO memos(target_kind, target_id, coder, created, updated, title, text) VALUES (?,?,?,?,?,?,?)",
            (kind, target_id, coder, stamp, stamp, title, text),
        )
        memo_id = int(cur.lastrowid or 0)
        project.log("memo.add", "memo", memo_id, {"after": text, "target": [kind, target_id]})
        return memo_id


def get_memo(project: Project, kind: str, target_id: int | None, coder: str | None = None) -> str:
    if kind == "coding":
        return str(project.scalar("SELECT memo FROM codings WHERE id = ?", (target_id,)) or "")
    row = project.conn.execute(
        "SELECT text FROM memos WHERE target_kind = ? AND target_id IS ? AND coder = ? ORDER BY id LIMIT 1",
        (kind, target_id, (coder or project.coder)),
    ).fetchone()
    return row[0] if row else ""


def list_memos(project: Project, kind: str | None = None, coder: str | None = None) -> list[dict[str, Any]]:
    """Memos in the memos table, then the codings' own memos (their id is the coding's: `target_id`)."""
    clauses, params = [], []
    if kind:
        clauses.append("target_kind = ?")
        params.append(kind)
    if coder:
        clauses.append("coder = ?")
        params.append(coder)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    return project.query(
        f"""SELECT id, target_kind, target_id, coder, created, updated, title, text FROM (
              SELECT id, target_kind, target_id, coder, created, updated, title, text, 0 AS part FROM memos
              UNION ALL
              SELECT NULL, 'coding', id, coder, created, created, '', memo, 1 FROM codings WHERE memo IS NOT NULL
            ) AS m {where} ORDER BY part, coalesce(id, target_id)""",
        params,
    )


def memos_on(project: Project, kind: str, target_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Memos on each of these targets (e.g. the segments on screen): target id -> [{coder, text}], oldest first."""
    found: dict[int, list[dict[str, Any]]] = {}
    for start in range(0, len(target_ids), 500):  # stay under SQLite's limit on bound parameters
        chunk = target_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        # A coding's memo is the coding's own field (schema 4); other memos are rows of the memos table.
        sql = (
            f"SELECT id, coder, memo FROM codings WHERE memo IS NOT NULL AND id IN ({marks}) ORDER BY id"
            if kind == "coding"
            else f"SELECT target_id, coder, text FROM memos WHERE target_kind = ? AND target_id IN ({marks}) ORDER BY id"
        )
        for target_id, coder, text in project.conn.execute(
            sql, chunk if kind == "coding" else (kind, *chunk)
        ):
            found.setdefault(int(target_id), []).append({"coder": coder, "text": text})
    return found
